package dev.beacon.core.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A paginated read and its result in the shape of Convex's {@code paginate()}: {@code {page,
 * isDone, continueCursor}}. A query takes either Beacon's {@code limit} and {@code cursor}
 * arguments or Convex's {@code paginationOpts: {numItems, cursor, endCursor?}} (what {@code
 * usePaginatedQuery} sends), declared together by {@link #arguments()}. Items are newest first
 * and a cursor is the id of the last item of the page before; stores return one item more than
 * asked so that the last page is known as such.
 *
 * @param limit how many items the page holds at most (0 only through {@code numItems: 0})
 * @param cursor the id the page starts after (exclusive), empty for the newest
 * @param endCursor with {@code paginationOpts.endCursor}: the id the page ends at (inclusive),
 *     whatever {@code numItems} says, as Convex does for a page it has split or journaled
 */
public record PageRequest(int limit, Optional<String> cursor, Optional<String> endCursor) {

  /** The argument that carries Convex's pagination options. */
  public static final String OPTIONS = "paginationOpts";

  /**
   * Convex's {@code paginationOptsValidator}: {@code numItems} and {@code cursor} (a string or
   * null), plus the fields its clients may add ({@code endCursor}, {@code id}, {@code
   * maximumRowsRead}, {@code maximumBytesRead}; the last two are accepted and ignored).
   */
  public static final Validator OPTIONS_VALIDATOR = Validator.object(Map.of(
      "numItems", Validator.number(),
      "cursor", Validator.optional(Validator.text(64)),
      "endCursor", Validator.optional(Validator.text(64)),
      "id", Validator.optional(Validator.number()),
      "maximumRowsRead", Validator.optional(Validator.number()),
      "maximumBytesRead", Validator.optional(Validator.number())));

  /**
   * The pagination arguments every paginated query declares: {@code limit?}, {@code cursor?} and
   * {@code paginationOpts?}.
   */
  public static Map<String, Validator> arguments() {
    Map<String, Validator> args = new LinkedHashMap<>();
    args.put("limit", Validator.optional(Validator.number()));
    args.put("cursor", Validator.optional(Validator.text(64)));
    args.put(OPTIONS, Validator.optional(OPTIONS_VALIDATOR));
    return args;
  }

  /** {@link #arguments()} and the query's own ones. */
  public static Map<String, Validator> arguments(Map<String, Validator> own) {
    Map<String, Validator> args = arguments();
    args.putAll(own);
    return args;
  }

  /**
   * Reads the page asked for: {@code paginationOpts} when given, else {@code limit} (a whole
   * number ≥ 1; absent: {@code defaultLimit}) and {@code cursor} (empty, or a {@code
   * continueCursor} this kind of query returned). More than {@code maxLimit} reads {@code
   * maxLimit}.
   *
   * @throws ArgumentValidationException for both forms at once, a fractional or negative count,
   *     or a cursor that no query returned
   */
  public static PageRequest of(Args args, int defaultLimit, int maxLimit) {
    Optional<JsonNode> options = args.optValue(OPTIONS);
    if (options.isEmpty()) {
      return new PageRequest(limit(args, defaultLimit, maxLimit), cursor(args.optString("cursor"), "cursor"),
          Optional.empty());
    }
    if (args.has("limit") || args.has("cursor")) {
      throw new ArgumentValidationException("pass either `paginationOpts` or `limit` and `cursor`, "
          + "not both");
    }
    JsonNode opts = options.get();
    double asked = opts.get("numItems").doubleValue();
    if (asked != Math.rint(asked) || asked < 0) {
      throw new ArgumentValidationException("paginationOpts.numItems must be a whole number of at "
          + "least 0, not " + describe(asked));
    }
    return new PageRequest((int) Math.min(maxLimit, asked), cursor(text(opts, "cursor"), "paginationOpts.cursor"),
        cursor(text(opts, "endCursor"), "paginationOpts.endCursor"));
  }

  /**
   * A {@code limit} argument: a whole number ≥ 1 (absent: {@code defaultLimit}); more than
   * {@code maxLimit} reads {@code maxLimit}.
   *
   * @throws ArgumentValidationException for a fractional, non-finite or non-positive limit
   */
  public static int limit(Args args, int defaultLimit, int maxLimit) {
    double asked = args.optNumber("limit").orElse((double) defaultLimit);
    if (!Double.isFinite(asked) || asked != Math.rint(asked) || asked < 1) {
      throw new ArgumentValidationException("limit must be a whole number of at least 1, not "
          + describe(asked));
    }
    return (int) Math.min(maxLimit, asked);
  }

  private static Optional<String> text(JsonNode object, String field) {
    JsonNode v = object.get(field);
    return v == null || v.isNull() ? Optional.empty() : Optional.of(v.textValue());
  }

  private static Optional<String> cursor(Optional<String> given, String name) {
    Optional<String> cursor = given.filter(c -> !c.isEmpty());
    if (cursor.isPresent() && !dev.beacon.core.store.Ids.isId(cursor.get())) {
      throw new ArgumentValidationException(name + " '" + cursor.get() + "' is not a "
          + "continueCursor this query returned");
    }
    return cursor;
  }

  private static String describe(double n) {
    return Double.isFinite(n) && n == Math.rint(n) ? String.valueOf((long) n) : String.valueOf(n);
  }

  /**
   * The most items a page with an end cursor holds: such a page keeps every item down to its
   * end, so it grows as items are added inside it; past this it is cut (and continues after its
   * last item).
   */
  public static final int MAX_RANGE = 1000;

  /**
   * How many items to ask the store for: one more than the page holds, or with an end cursor
   * (whose page holds every item down to it) one more than {@link #MAX_RANGE}.
   */
  public int fetch() {
    return endCursor.isPresent() ? MAX_RANGE + 1 : limit + 1;
  }

  /**
   * The page of {@code fetched} (newest first, as many as {@link #fetch} asked for), with the
   * cursor to continue after it. With an end cursor the page is every item down to it, and
   * continues from it; such a page grown past twice its {@code numItems} also carries Convex's
   * {@code splitCursor} and {@code pageStatus: "SplitRecommended"}, so {@code usePaginatedQuery}
   * splits it in two.
   */
  public <T> ObjectNode result(List<T> fetched, Function<T, String> id, Function<T, JsonNode> json) {
    if (endCursor.isEmpty()) {
      boolean more = fetched.size() > limit;
      List<T> shown = more ? fetched.subList(0, limit) : fetched;
      return page(shown, json, more,
          shown.isEmpty() ? cursor.orElse("") : id.apply(shown.get(shown.size() - 1)));
    }
    String end = endCursor.get();
    int n = 0;
    while (n < fetched.size() && n < MAX_RANGE && id.apply(fetched.get(n)).compareTo(end) >= 0) {
      n++;
    }
    List<T> shown = fetched.subList(0, n);
    if (n == MAX_RANGE && fetched.size() > n && id.apply(fetched.get(n)).compareTo(end) >= 0) {
      return page(shown, json, true, id.apply(shown.get(n - 1))); // cut: continue after it
    }
    ObjectNode out = page(shown, json, n < fetched.size(), end);
    if (n > 2 * Math.max(1, limit)) {
      out.put("splitCursor", id.apply(shown.get(n / 2 - 1)));
      out.put("pageStatus", "SplitRecommended");
    }
    return out;
  }

  private static <T> ObjectNode page(List<T> shown, Function<T, JsonNode> json, boolean more,
      String continueCursor) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ArrayNode items = out.putArray("page");
    shown.forEach(item -> items.add(json.apply(item)));
    out.put("isDone", !more);
    out.put("continueCursor", continueCursor);
    return out;
  }
}
