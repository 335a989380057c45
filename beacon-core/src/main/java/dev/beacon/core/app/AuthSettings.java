package dev.beacon.core.app;

import java.util.Optional;

/**
 * How an app's callers prove who they are on the function API.
 *
 * @param adminKey what the app's backend sends as {@code Authorization: Convex <admin key>}
 * @param jwtSecret an HS256 shared secret for end users' JWTs (at least 32 bytes)
 * @param jwksUrl a JWKS URL whose RS256/ES256 keys verify end users' JWTs
 * @param issuer the required {@code iss}, if any
 * @param audience the required {@code aud}; tokens carrying it are routed to this app
 */
public record AuthSettings(
    String adminKey,
    Optional<String> jwtSecret,
    Optional<String> jwksUrl,
    Optional<String> issuer,
    String audience) {

  public AuthSettings {
    if (adminKey == null || adminKey.isEmpty()) {
      throw new IllegalArgumentException("auth.admin_key must not be empty");
    }
    jwtSecret = jwtSecret == null ? Optional.empty() : jwtSecret;
    jwksUrl = jwksUrl == null ? Optional.empty() : jwksUrl;
    issuer = issuer == null ? Optional.empty() : issuer;
    jwtSecret.ifPresent(s -> {
      if (s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
        throw new IllegalArgumentException("auth.jwt_secret must be at least 32 bytes for HS256");
      }
    });
    if (audience == null || audience.isEmpty()) {
      throw new IllegalArgumentException("auth.audience must not be empty");
    }
  }

  /** Whether end users can authenticate at all. */
  public boolean acceptsUserTokens() {
    return jwtSecret.isPresent() || jwksUrl.isPresent();
  }
}
