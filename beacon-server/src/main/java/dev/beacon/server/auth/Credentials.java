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

  /**
   * The backend of the app with this admin key. {@code key:identity} (what {@code
   * setAdminAuth(key, actingAsIdentity)} sends, the identity base64-encoded JSON) calls as the
   * end user the identity's {@code subject} names.
   */
  public Caller adminCaller(String key) {
    Optional<App> app = appWithAdminKey(key);
    if (app.isPresent()) {
      return Caller.backend(app.get());
    }
    int colon = key.lastIndexOf(':');
    if (colon > 0) {
      Optional<App> acting = appWithAdminKey(key.substring(0, colon));
      if (acting.isPresent()) {
        return Caller.user(acting.get(), actingSubject(key.substring(colon + 1)));
      }
    }
    throw FunctionException.unauthenticated("the admin key is not valid for any app");
  }

  private Optional<App> appWithAdminKey(String key) {
    byte[] given = key.getBytes(StandardCharsets.UTF_8);
    for (App app : apps.all()) {
      if (MessageDigest.isEqual(app.auth().adminKey().getBytes(StandardCharsets.UTF_8), given)) {
        return Optional.of(app);
      }
    }
    return Optional.empty();
  }

  private static String actingSubject(String encoded) {
    try {
      String json = new String(java.util.Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
      com.fasterxml.jackson.databind.JsonNode identity = dev.beacon.protocol.json.Json.parse(json);
      com.fasterxml.jackson.databind.JsonNode subject = identity.get("subject");
      if (subject != null && subject.isTextual() && !subject.textValue().isEmpty()) {
        return subject.textValue();
      }
    } catch (IllegalArgumentException e) {
      // fall through
    }
    throw FunctionException.unauthenticated("the identity to act as must be base64 JSON with a 'subject'");
  }

  /** The end user a JWT names. */
  public Caller userCaller(String token) {
    TokenVerifier.Verified v = verifiedUser(token);
    return Caller.user(v.app(), v.userId(), v.profile());
  }

  /**
   * A verified JWT: its app, user and expiry.
   *
   * @throws FunctionException UNAUTHENTICATED saying why the token does not verify
   */
  public TokenVerifier.Verified verifiedUser(String token) {
    try {
      return tokens.verify(token);
    } catch (TokenVerifier.InvalidTokenException e) {
      throw FunctionException.unauthenticated(e.getMessage());
    }
  }
}
