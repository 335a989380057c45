package dev.beacon.core.functions;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Which calls of a path a definition serves, told apart by the shape of their arguments: apps
 * written against other APIs call some of Beacon's paths with arguments of their own (the
 * {@code @convex-dev/presence} component's {@code presence:heartbeat {roomId, userId,
 * sessionId}} beside Beacon's {@code presence:heartbeat {sessionId?}}). A path has one definition
 * for any shape (its own) and may have others for shapes that exclude each other.
 */
@FunctionalInterface
public interface ArgumentShape {

  /** Every call: a path's own definition. */
  ArgumentShape ANY = args -> true;

  /** Whether a call's (unvalidated) arguments are of this shape. */
  boolean matches(JsonNode args);

  /** Calls that pass {@code field} (present and not null). */
  static ArgumentShape has(String field) {
    return args -> args.hasNonNull(field);
  }

  /** Calls in this shape and not in {@code other}. */
  default ArgumentShape unless(ArgumentShape other) {
    return args -> matches(args) && !other.matches(args);
  }

  /** Calls in this shape or in {@code other}. */
  default ArgumentShape or(ArgumentShape other) {
    return args -> matches(args) || other.matches(args);
  }
}
