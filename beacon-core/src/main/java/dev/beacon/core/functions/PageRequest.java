package dev.beacon.core.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A paginated read: the {@code limit} and {@code cursor} arguments, and the result in the shape of
 * Convex's {@code paginate()}: {@code {page, isDone, continueCursor}}. Stores return one item more
 * than the limit so that the last page is known as such.
 */
public record PageRequest(int limit, Optional<String> cursor) {

  /**
   * Reads {@code limit} (a whole number ≥ 1, at most {@code maxLimit} taken) and {@code cursor}
   * (empty, or a {@code continueCursor} this kind of query returned).
   *
   * @throws ArgumentValidationException for a fractional or non-positive limit or a cursor that
   *     no query returned
   */
  public static PageRequest of(Args args, int defaultLimit, int maxLimit) {
    int limit = limit(args, defaultLimit, maxLimit);
    Optional<String> cursor = args.optString("cursor").filter(c -> !c.isEmpty());
    if (cursor.isPresent() && !dev.beacon.core.store.Ids.isId(cursor.get())) {
      throw new ArgumentValidationException("cursor '" + cursor.get() + "' is not a continueCursor "
          + "this query returned");
    }
    return new PageRequest(limit, cursor);
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
          + (Double.isFinite(asked) && asked == Math.rint(asked) ? String.valueOf((long) asked)
              : String.valueOf(asked)));
    }
    return (int) Math.min(maxLimit, asked);
  }

  /** How many items to ask the store for. */
  public int fetch() {
    return limit + 1;
  }

  /** The page of {@code fetched} (newest first), with the cursor to continue after it. */
  public <T> ObjectNode result(List<T> fetched, Function<T, String> id, Function<T, JsonNode> json) {
    boolean more = fetched.size() > limit;
    List<T> shown = more ? fetched.subList(0, limit) : fetched;
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ArrayNode items = out.putArray("page");
    shown.forEach(item -> items.add(json.apply(item)));
    out.put("isDone", !more);
    out.put("continueCursor", shown.isEmpty() ? cursor.orElse("") : id.apply(shown.get(shown.size() - 1)));
    return out;
  }
}
