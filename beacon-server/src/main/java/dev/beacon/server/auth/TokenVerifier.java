package dev.beacon.server.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.app.AuthSettings;
import dev.beacon.core.time.Clock;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Verifies end users' JWTs with nimbus-jose-jwt. Each app accepts HS256 with its shared secret,
 * or RS256/ES256 with keys from its JWKS URL — never {@code
 * none}, and never an HMAC over a public key. JWKS key sets are fetched on a background thread
 * ({@link BackgroundJwkSource}), never while a token is verified. {@code exp} and {@code nbf} are checked with 60 s
 * of skew, {@code aud} must be the app's audience, {@code iss} its issuer when configured, and
 * {@code sub} is required and must not be blank: it is the user id. A token missing a required
 * claim is refused with the claim named.
 *
 * <p>A token is routed to the app whose audience it names; failing that, each app that accepts
 * tokens is tried. Verified tokens are remembered until they expire (bounded), so a client that
 * sends the same token with every call pays for one verification.
 */
public final class TokenVerifier implements AutoCloseable {

  private static final int MAX_CACHED = 50_000;
  /** Clock skew allowed on {@code exp} and {@code nbf}. */
  static final int SKEW_SECONDS = 60;
  /** How often each JWKS is fetched again. */
  static final long JWKS_REFRESH_MILLIS = 5 * 60_000;
  /** Threads fetching JWKS key sets (shared by every app with a JWKS URL). */
  static final int JWKS_FETCH_THREADS = 4;
  /** The soonest a token naming an unknown key fetches the JWKS again. */
  static final long JWKS_MISS_REFRESH_MILLIS = 10_000;

  private final Apps apps;
  private final Clock clock;
  private final long jwksMissRefreshMillis;
  private final Map<String, DefaultJWTProcessor<SecurityContext>> processors = new LinkedHashMap<>();
  /**
   * Tokens verified recently, so a client calling every few seconds costs one signature check
   * per token, not per call. Bounded; the least useful entries are evicted one by one (Caffeine's
   * W-TinyLFU), and each entry goes when its token expires.
   */
  private final Cache<String, Verified> cache;
  /** Fetches JWKS key sets (only when an app uses one); never an event loop. */
  private ScheduledExecutorService fetcher;

  /**
   * A verified token: the app it belongs to, the user it names, and the user's display name and
   * picture when the token has the standard {@code name} and {@code picture} claims.
   */
  public record Verified(App app, String userId, long expiresAtMillis,
      dev.beacon.core.functions.Caller.Profile profile) {

    public Verified(App app, String userId, long expiresAtMillis) {
      this(app, userId, expiresAtMillis, dev.beacon.core.functions.Caller.Profile.NONE);
    }
  }

  /** A token that does not verify; the message says why, for the caller. */
  public static final class InvalidTokenException extends RuntimeException {
    InvalidTokenException(String message) {
      super(message, null, false, false);
    }
  }

  public TokenVerifier(Apps apps, Clock clock) {
    this(apps, clock, JWKS_MISS_REFRESH_MILLIS);
  }

  /** As above, with the soonest an unknown key fetches a JWKS again (tests shorten it). */
  TokenVerifier(Apps apps, Clock clock, long jwksMissRefreshMillis) {
    this.apps = apps;
    this.clock = clock;
    this.jwksMissRefreshMillis = jwksMissRefreshMillis;
    this.cache = Caffeine.newBuilder()
        .maximumSize(MAX_CACHED)
        .expireAfter(Expiry.creating((String token, Verified v) ->
            Duration.ofMillis(Math.max(0, v.expiresAtMillis() - clock.millis()))))
        .executor(Runnable::run)
        .build();
    try {
      for (App app : apps.all()) {
        if (app.auth().acceptsUserTokens()) {
          processors.put(app.id(), processor(app.auth()));
        }
      }
    } catch (RuntimeException e) {
      close(); // a JWKS fetcher started for an app before this one
      throw e;
    }
  }

  /** Whether any app accepts end-user tokens. */
  public boolean enabled() {
    return !processors.isEmpty();
  }

  /**
   * Verifies a token.
   *
   * @throws InvalidTokenException naming what is wrong
   */
  public Verified verify(String token) {
    long now = clock.millis();
    Verified hit = cache.getIfPresent(token);
    if (hit != null && hit.expiresAtMillis() > now) {
      return hit;
    }
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException e) {
      throw new InvalidTokenException("the token is not a signed JWT");
    }
    if (processors.isEmpty()) {
      throw new InvalidTokenException("no app on this server accepts user tokens");
    }
    List<String> audience;
    try {
      audience = jwt.getJWTClaimsSet().getAudience();
    } catch (ParseException e) {
      throw new InvalidTokenException("the token's claims are not valid JSON");
    }
    InvalidTokenException failure = null;
    for (App app : candidates(audience)) {
      try {
        JWTClaimsSet claims = processors.get(app.id()).process(jwt, null);
        if (claims.getSubject().isBlank()) {
          // the user id: an empty one would be a user no one can name (the admin API refuses it)
          throw new InvalidTokenException("the token's subject (sub) is empty: it must be the user id");
        }
        long exp = claims.getExpirationTime().getTime();
        Verified verified = new Verified(app, claims.getSubject(), exp, profile(claims));
        cache.put(token, verified);
        return verified;
      } catch (BadJOSEException | JOSEException e) {
        failure = new InvalidTokenException(describe(e));
      }
    }
    throw failure != null ? failure : new InvalidTokenException("no app accepts this token's audience");
  }

  /** The standard {@code name} and {@code picture} claims, when they are non-empty strings. */
  private static dev.beacon.core.functions.Caller.Profile profile(JWTClaimsSet claims) {
    return new dev.beacon.core.functions.Caller.Profile(text(claims, "name"), text(claims, "picture"));
  }

  private static java.util.Optional<String> text(JWTClaimsSet claims, String name) {
    Object v = claims.getClaim(name);
    return v instanceof String s && !s.isBlank() && s.length() <= 2048
        ? java.util.Optional.of(s) : java.util.Optional.empty();
  }

  private List<App> candidates(List<String> audience) {
    for (App app : apps.all()) {
      if (processors.containsKey(app.id()) && audience != null
          && audience.contains(app.auth().audience())) {
        return List.of(app);
      }
    }
    return apps.all().stream().filter(a -> processors.containsKey(a.id())).toList();
  }

  private DefaultJWTProcessor<SecurityContext> processor(AuthSettings auth) {
    DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
    if (auth.jwtSecret().isPresent()) {
      JWKSource<SecurityContext> secret = new ImmutableSecret<>(
          auth.jwtSecret().get().getBytes(StandardCharsets.UTF_8));
      p.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.HS256, secret));
    } else {
      try {
        JWKSource<SecurityContext> keys = new BackgroundJwkSource(
            URI.create(auth.jwksUrl().orElseThrow()).toURL(), fetcher(), JWKS_REFRESH_MILLIS,
            jwksMissRefreshMillis, System::nanoTime);
        p.setJWSKeySelector(new JWSVerificationKeySelector<>(
            Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256), keys));
      } catch (MalformedURLException | IllegalArgumentException e) {
        throw new IllegalArgumentException("auth.jwks_url is not a URL: " + auth.jwksUrl().get());
      }
    }
    JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
    auth.issuer().ifPresent(exact::issuer);
    DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
        auth.audience(), exact.build(), new HashSet<>(List.of("sub", "exp"))) {
      @Override
      protected Date currentTime() {
        return new Date(clock.millis()); // the server's clock, as everything else uses
      }
    };
    claims.setMaxClockSkew(SKEW_SECONDS);
    p.setJWTClaimsSetVerifier(claims);
    return p;
  }

  private ScheduledExecutorService fetcher() {
    if (fetcher == null) {
      // a few threads, so one slow JWKS host does not hold up the other apps' refreshes (each
      // key set is fetched by one thread at a time)
      fetcher = Executors.newScheduledThreadPool(JWKS_FETCH_THREADS, r -> {
        Thread t = new Thread(r, "beacon-jwks");
        t.setDaemon(true);
        return t;
      });
    }
    return fetcher;
  }

  /** Stops fetching key sets. */
  @Override
  public void close() {
    if (fetcher != null) {
      fetcher.shutdownNow();
    }
  }

  /** Nimbus's "JWT missing required claims: [exp, sub]" (or "... audience/issuer"). */
  private static final java.util.regex.Pattern MISSING_CLAIMS =
      java.util.regex.Pattern.compile("missing required claims: \\[([^\\]]*)\\]");

  private static String describe(Exception e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    String lower = m.toLowerCase(java.util.Locale.ROOT);
    // first: "missing" contains "iss", which would otherwise read as a wrong issuer
    java.util.regex.Matcher missing = MISSING_CLAIMS.matcher(m);
    if (missing.find()) {
      return "the token has no " + String.join(" and ", missing.group(1).split(",\\s*"))
          + " claim: tokens must carry sub (the user id), exp and aud (and iss when the app sets "
          + "jwt_issuer)";
    }
    if (lower.contains("expired")) {
      return "the token has expired";
    }
    if (lower.contains("audience") || lower.contains("aud")) {
      return "the token's audience (aud) is not this app's";
    }
    if (lower.contains("iss")) {
      return "the token's issuer (iss) is not the one this app trusts";
    }
    if (lower.contains("nbf") || lower.contains("before use time")) {
      return "the token is not valid yet (nbf)";
    }
    if (lower.contains("no matching key")) {
      return "no key of the app's JWKS matches the token's key id (kid) and algorithm; if the keys "
          + "were just rotated, they are being fetched again: retry in a few seconds";
    }
    if (lower.contains("jws algorithm") || lower.contains("key selector")) {
      return "the token's signing algorithm is not accepted";
    }
    if (lower.contains("signature")) {
      return "the token's signature is invalid";
    }
    return "the token is invalid: " + m;
  }
}
