package dev.beacon.core.functions;

import dev.beacon.core.app.App;
import java.util.Optional;

/**
 * Who calls a function: an end user (from a verified JWT, {@code sub} is the user id) or the
 * app's trusted backend (admin key), which may act for any user.
 */
public record Caller(App app, Optional<String> userId, boolean trusted) {

  public static Caller user(App app, String userId) {
    return new Caller(app, Optional.of(userId), false);
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
