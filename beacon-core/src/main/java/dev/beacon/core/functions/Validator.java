package dev.beacon.core.functions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.protocol.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A declared argument type, checked before a function runs (like Convex's {@code v.*}
 * validators). Errors name the path of the bad value, what it was, and what was expected.
 */
public sealed interface Validator {

  /** Checks {@code value} found at {@code path}; {@code value} is never null (see Optional). */
  void check(JsonNode value, String path);

  /** How the validator reads in an error message, e.g. {@code v.string()}. */
  String describe();

  // ------------------------------------------------------------------ factories

  /** A string of 1 to {@code maxLength} characters. */
  static Validator string(int maxLength) {
    return new Str(1, maxLength, null, null);
  }

  /** A string of 0 to {@code maxLength} characters. */
  static Validator text(int maxLength) {
    return new Str(0, maxLength, null, null);
  }

  /** An identifier (room, chatroom, message) that can also name a Pusher channel. */
  static Validator id() {
    return new Str(1, 128, Pattern.compile("[A-Za-z0-9_\\-=@,.;]+"),
        "1-128 of A-Z a-z 0-9 _ - = @ , . ;");
  }

  /**
   * A user id: as {@link #id()}, and also {@code | : +}, which identity providers put in the
   * JWT subjects that become user ids ({@code auth0|123}, {@code google-oauth2|456}, e-mail
   * addresses with a {@code +}). Every function works for such a user; having no {@code
   * private-user-} Pusher channel, it gets its live events on its {@code #server-to-user-} one.
   */
  static Validator userId() {
    return new Str(1, 128, Pattern.compile("[A-Za-z0-9_\\-=@,.;:|+]+"),
        "1-128 of A-Z a-z 0-9 _ - = @ , . ; : | +");
  }

  /** A JavaScript number; a Convex int64 is accepted too. */
  static Validator number() {
    return new Num();
  }

  static Validator bool() {
    return new Bool();
  }

  /** One of the given strings. */
  static Validator literal(String... values) {
    return new Literal(Set.of(values));
  }

  /** Any JSON value whose encoding is at most {@code maxBytes}. */
  static Validator any(int maxBytes) {
    return new Any(maxBytes);
  }

  static Validator optional(Validator inner) {
    return new Opt(inner);
  }

  static Validator array(Validator item, int maxItems) {
    return new Arr(item, maxItems);
  }

  /** An object with exactly these fields (optional ones may be absent). */
  static Obj object(Map<String, Validator> fields) {
    return new Obj(new LinkedHashMap<>(fields), false);
  }

  /**
   * An object with these fields and any others, which are left for another validator to check
   * (a drop-in shape that hands the call on to the function it stands for).
   */
  static Obj openObject(Map<String, Validator> fields) {
    return new Obj(new LinkedHashMap<>(fields), true);
  }

  // ------------------------------------------------------------------ kinds

  record Str(int min, int max, Pattern pattern, String patternText) implements Validator {
    @Override
    public void check(JsonNode value, String path) {
      if (!value.isTextual()) {
        throw mismatch(value, path, this);
      }
      int length = value.textValue().length();
      if (length < min) {
        throw new ArgumentValidationException("Value at " + path + " is empty; expected "
            + describe());
      }
      if (length > max) {
        throw new ArgumentValidationException("Value at " + path + " is " + length
            + " characters long; at most " + max + " are allowed");
      }
      if (pattern != null && !pattern.matcher(value.textValue()).matches()) {
        throw new ArgumentValidationException("Value at " + path + " (" + abbreviate(value)
            + ") is not a valid id: expected " + patternText);
      }
    }

    @Override
    public String describe() {
      return "v.string()";
    }
  }

  /**
   * A number. Beacon's functions take counts, limits and millisecond timestamps, so NaN and
   * ±Infinity (which Convex's {@code v.number()} would let through) are refused: stored as a
   * read watermark, Infinity would mark every future message read for good.
   */
  record Num() implements Validator {
    @Override
    public void check(JsonNode value, String path) {
      if (!value.isNumber() || !Double.isFinite(value.doubleValue())) {
        throw mismatch(value, path, this);
      }
    }

    @Override
    public String describe() {
      return "v.number()";
    }
  }

  record Bool() implements Validator {
    @Override
    public void check(JsonNode value, String path) {
      if (!value.isBoolean()) {
        throw mismatch(value, path, this);
      }
    }

    @Override
    public String describe() {
      return "v.boolean()";
    }
  }

  record Literal(Set<String> values) implements Validator {
    @Override
    public void check(JsonNode value, String path) {
      if (!value.isTextual() || !values.contains(value.textValue())) {
        throw mismatch(value, path, this);
      }
    }

    @Override
    public String describe() {
      StringBuilder sb = new StringBuilder("v.union(");
      values.stream().sorted().forEach(v -> sb.append("v.literal(\"").append(v).append("\"), "));
      sb.setLength(sb.length() - 2);
      return sb.append(')').toString();
    }
  }

  record Any(int maxBytes) implements Validator {
    @Override
    public void check(JsonNode value, String path) {
      int size = Json.write(value).getBytes(StandardCharsets.UTF_8).length;
      if (size > maxBytes) {
        throw new ArgumentValidationException("Value at " + path + " is " + size
            + " bytes of JSON; at most " + maxBytes + " are allowed");
      }
    }

    @Override
    public String describe() {
      return "v.any()";
    }
  }

  record Opt(Validator inner) implements Validator {
    @Override
    public void check(JsonNode value, String path) {
      inner.check(value, path);
    }

    @Override
    public String describe() {
      return "v.optional(" + inner.describe() + ")";
    }
  }

  record Arr(Validator item, int maxItems) implements Validator {
    @Override
    public void check(JsonNode value, String path) {
      if (!value.isArray()) {
        throw mismatch(value, path, this);
      }
      if (value.size() > maxItems) {
        throw new ArgumentValidationException("Array at " + path + " has " + value.size()
            + " items; at most " + maxItems + " are allowed");
      }
      for (int i = 0; i < value.size(); i++) {
        if (value.get(i).isNull() && !(item instanceof Opt)) {
          throw mismatch(value.get(i), path + "[" + i + "]", item);
        }
        item.check(value.get(i), path + "[" + i + "]");
      }
    }

    @Override
    public String describe() {
      return "v.array(" + item.describe() + ")";
    }
  }

  record Obj(LinkedHashMap<String, Validator> fields, boolean open) implements Validator {
    @Override
    public void check(JsonNode value, String path) {
      if (!value.isObject()) {
        throw mismatch(value, path, this);
      }
      Iterator<String> names = value.fieldNames();
      while (!open && names.hasNext()) {
        String name = names.next();
        if (!fields.containsKey(name)) {
          throw new ArgumentValidationException("Object contains extra field `" + name
              + "` that is not in the validator (expected fields: "
              + String.join(", ", fields.keySet()) + ")");
        }
      }
      for (Map.Entry<String, Validator> f : fields.entrySet()) {
        JsonNode field = value.get(f.getKey());
        if (field == null || field.isNull()) {
          if (!(f.getValue() instanceof Opt)) {
            throw new ArgumentValidationException("Object is missing the required field `"
                + f.getKey() + "` (" + f.getValue().describe() + ")");
          }
          continue;
        }
        f.getValue().check(field, path.isEmpty() ? "." + f.getKey() : path + "." + f.getKey());
      }
    }

    @Override
    public String describe() {
      return "v.object({" + String.join(", ", fields.keySet()) + "})";
    }

    /** The declared field names. */
    public List<String> names() {
      return List.copyOf(fields.keySet());
    }
  }

  private static ArgumentValidationException mismatch(JsonNode value, String path, Validator v) {
    return new ArgumentValidationException("Value does not match validator.\nPath: "
        + (path.isEmpty() ? "(args)" : path) + "\nValue: " + abbreviate(value) + "\nValidator: "
        + v.describe());
  }

  private static String abbreviate(JsonNode value) {
    // as the client wrote it: 5, not 5.0
    String text = dev.beacon.protocol.convex.ConvexValues.toJsonText(value);
    return text.length() <= 80 ? text : text.substring(0, 80) + "...";
  }
}
