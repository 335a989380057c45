package dev.beacon.core.functions;

import dev.beacon.core.app.App;
import java.util.Optional;

/**
 * Who calls a function: an end user (from a verified JWT, {@code sub} is the user id) or the
 * app's trusted backend (admin key), which may act for any user. An end user's token may also
 * carry its display name and picture (the standard {@code name} and {@code picture} claims).
 */
public record Caller(App app, Optional<String> userId, boolean trusted, Profile profile) {

  /** What the caller's token says about it beyond its id; empty fields when it says nothing. */
  public record Profile(Optional<String> name, Optional<String> picture) {
    public static final Profile NONE = new Profile(Optional.empty(), Optional.empty());
  }

  public Caller(App app, Optional<String> userId, boolean trusted) {
    this(app, userId, trusted, Profile.NONE);
  }

  public static Caller user(App app, String userId) {
    return new Caller(app, Optional.of(userId), false);
  }

  /** An end user whose token carries a profile. */
  public static Caller user(App app, String userId, Profile profile) {
    return new Caller(app, Optional.of(userId), false, profile);
  }

  public static Caller backend(App app) {
    return new Caller(app, Optional.empty(), true);
  }

  public static Caller anonymous(App app) {
    return new Caller(app, Optional.empty(), false);
  }

  /** A short description for logs and errors. */
  public String describe() {
    return trusted ? "the app's backend" : userId.map(u -> "user '" + u + "'").orElse("an anonymous caller");
  }
}
