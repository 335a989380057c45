package dev.beacon.server.auth;

import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.functions.Caller;
import dev.beacon.core.functions.FunctionException;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Turns an {@code Authorization} header into a {@link Caller}: {@code Convex <admin key>} is the
 * app's backend (what {@code ConvexHttpClient.setAdminAuth} sends), {@code Bearer <JWT>} an end
 * user, nothing an anonymous caller of the default (first) app.
 */
public final class Credentials {

  private final Apps apps;
  private final TokenVerifier tokens;

  public Credentials(Apps apps, TokenVerifier tokens) {
    this.apps = apps;
    this.tokens = tokens;
  }

  public TokenVerifier tokens() {
    return tokens;
  }

  /**
   * @throws FunctionException UNAUTHENTICATED for bad credentials
   */
  public Caller caller(Optional<String> authorization) {
    if (authorization.isEmpty() || authorization.get().isBlank()) {
      return Caller.anonymous(apps.first());
    }
    String header = authorization.get().trim();
    if (header.regionMatches(true, 0, "Convex ", 0, 7)) {
      return adminCaller(header.substring(7).trim());
    }
    if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return userCaller(header.substring(7).trim());
    }
    throw FunctionException.unauthenticated(
        "the Authorization header must be 'Bearer <JWT>' or 'Convex <admin key>'");
  }

  /** The backend of the app with this admin key. */
  public Caller adminCaller(String key) {
    byte[] given = key.getBytes(StandardCharsets.UTF_8);
    for (App app : apps.all()) {
      if (MessageDigest.isEqual(app.auth().adminKey().getBytes(StandardCharsets.UTF_8), given)) {
        return Caller.backend(app);
      }
    }
    throw FunctionException.unauthenticated("the admin key is not valid for any app");
  }

  /** The end user a JWT names. */
  public Caller userCaller(String token) {
    try {
      TokenVerifier.Verified v = tokens.verify(token);
      return Caller.user(v.app(), v.userId());
    } catch (TokenVerifier.InvalidTokenException e) {
      throw FunctionException.unauthenticated(e.getMessage());
    }
  }
}
