package dev.beacon.server.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.beacon.core.app.App;
import dev.beacon.core.time.Clock;
import java.nio.charset.StandardCharsets;
import java.util.Date;

/**
 * Mints HS256 tokens for demo users in development mode ({@code GET /dev/token?user=alice}),
 * signed with the app's JWT secret, so pages and tests can act as users without an identity
 * provider. Never mounted in production.
 */
public final class DevTokens {

  public static final long LIFETIME_MILLIS = 24 * 3_600_000L;

  private final Clock clock;

  public DevTokens(Clock clock) {
    this.clock = clock;
  }

  /** A token for {@code userId} in {@code app}, valid for a day. */
  public String mint(App app, String userId) {
    return mint(app, userId, java.util.Map.of());
  }

  /**
   * A token for {@code userId} in {@code app}, valid for a day, with extra claims (a demo user's
   * {@code name} and {@code picture}).
   */
  public String mint(App app, String userId, java.util.Map<String, String> extra) {
    String secret = app.auth().jwtSecret().orElseThrow(() -> new IllegalArgumentException(
        "app '" + app.id() + "' has no jwt_secret, so it cannot mint development tokens"));
    long now = clock.millis();
    JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
        .subject(userId)
        .audience(app.auth().audience())
        .issuer(app.auth().issuer().orElse("beacon-dev"))
        .issueTime(new Date(now))
        .expirationTime(new Date(now + LIFETIME_MILLIS));
    extra.forEach(claims::claim);
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
    try {
      jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a development token", e);
    }
    return jwt.serialize();
  }
}
