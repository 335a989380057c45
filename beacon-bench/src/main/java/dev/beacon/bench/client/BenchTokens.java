package dev.beacon.bench.client;

import dev.beacon.protocol.auth.Hmac;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Mints HS256 JWTs for the bench app's users locally, as an identity provider would, so that a
 * scenario with ten thousand users needs no ten thousand token requests.
 */
public final class BenchTokens {

  /** The bench app's JWT secret (the server under test is configured with it). */
  public static final String SECRET = "beacon-bench-jwt-secret-0123456789abcdef";

  private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();
  private static final String HEADER = URL.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
      .getBytes(StandardCharsets.UTF_8));

  private BenchTokens() {}

  /** A token for {@code user} in app {@code appId}, valid for a day. */
  public static String token(String appId, String user) {
    long now = System.currentTimeMillis() / 1000;
    String claims = "{\"sub\":\"" + user + "\",\"aud\":\"" + appId + "\",\"iat\":" + now
        + ",\"exp\":" + (now + 86_400) + "}";
    String signingInput = HEADER + "." + URL.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    byte[] signature = Hmac.sha256(SECRET.getBytes(StandardCharsets.UTF_8), signingInput);
    return signingInput + "." + URL.encodeToString(signature);
  }
}
