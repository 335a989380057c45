package dev.beacon.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.app.AuthSettings;
import dev.beacon.core.time.ManualClock;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TokenVerifierTest {

  static final String SECRET = "a-shared-secret-of-at-least-32-bytes!";
  final ManualClock clock = new ManualClock(System.currentTimeMillis());
  HttpServer jwks;
  final List<TokenVerifier> verifiers = new java.util.ArrayList<>();

  @AfterEach
  void stop() {
    verifiers.forEach(TokenVerifier::close);
    if (jwks != null) {
      jwks.stop(0);
    }
  }

  TokenVerifier closeLater(TokenVerifier v) {
    verifiers.add(v);
    return v;
  }

  static App hsApp(String id) {
    return App.builder(id, id + "-key", id + "-secret").auth(new AuthSettings(id + "-admin",
        Optional.of(SECRET + id), Optional.empty(), Optional.of("https://issuer"), id)).build();
  }

  JWTClaimsSet.Builder claims(String aud) {
    return new JWTClaimsSet.Builder().subject("ann").audience(aud).issuer("https://issuer")
        .expirationTime(new Date(clock.millis() + 60_000));
  }

  static String hs256(JWTClaimsSet claims, String secret) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  @Test
  void aGoodHs256TokenNamesTheUserAndTheApp() throws Exception {
    TokenVerifier v = new TokenVerifier(Apps.of(List.of(hsApp("one"), hsApp("two"))), clock);
    TokenVerifier.Verified verified = v.verify(hs256(claims("two").build(), SECRET + "two"));
    assertThat(verified.userId()).isEqualTo("ann");
    assertThat(verified.app().id()).isEqualTo("two");
  }

  @Test
  void aSyncIdentityLastsUntilTheTokensExpiryPlusTheSkew() throws Exception {
    Apps apps = Apps.of(List.of(hsApp("one")));
    TokenVerifier v = closeLater(new TokenVerifier(apps, clock));
    SyncAuthenticator sync = new SyncAuthenticator(apps, new Credentials(apps, v));
    Date exp = new Date((clock.millis() / 1000 + 120) * 1000);
    String token = hs256(claims("one").expirationTime(exp).build(), SECRET + "one");
    var user = dev.beacon.protocol.convex.sync.SyncClientMessage.TokenType.USER;
    var identity = sync.authenticate(user, Optional.of(token), Optional.empty());
    assertThat(identity.caller().userId()).contains("ann");
    assertThat(identity.validUntilMillis()).hasValue(exp.getTime() + TokenVerifier.SKEW_SECONDS * 1000L);
    assertThat(sync.authenticate(dev.beacon.protocol.convex.sync.SyncClientMessage.TokenType.ADMIN,
        Optional.of("one-admin"), Optional.empty()).validUntilMillis()).isEmpty();
  }

  @Test
  void refusesExpiredNotYetValidWrongAudienceIssuerOrSecret() throws Exception {
    TokenVerifier v = new TokenVerifier(Apps.of(List.of(hsApp("one"))), clock);
    String expired = hs256(claims("one").expirationTime(new Date(clock.millis() - 120_000)).build(), SECRET + "one");
    assertThatThrownBy(() -> v.verify(expired)).hasMessageContaining("expired");
    String early = hs256(claims("one").notBeforeTime(new Date(clock.millis() + 120_000)).build(), SECRET + "one");
    assertThatThrownBy(() -> v.verify(early)).isInstanceOf(TokenVerifier.InvalidTokenException.class);
    String audience = hs256(claims("other").build(), SECRET + "one");
    assertThatThrownBy(() -> v.verify(audience)).hasMessageContaining("aud");
    String issuer = hs256(claims("one").issuer("https://evil").build(), SECRET + "one");
    assertThatThrownBy(() -> v.verify(issuer)).hasMessageContaining("iss");
    String forged = hs256(claims("one").build(), "another-secret-that-is-32-bytes-long!!");
    assertThatThrownBy(() -> v.verify(forged)).hasMessageContaining("signature");
    String noSubject = hs256(new JWTClaimsSet.Builder().audience("one").issuer("https://issuer")
        .expirationTime(new Date(clock.millis() + 60_000)).build(), SECRET + "one");
    assertThatThrownBy(() -> v.verify(noSubject)).isInstanceOf(TokenVerifier.InvalidTokenException.class);
  }

  @Test
  void aTokenMissingARequiredClaimIsRefusedWithThatClaimNamed() throws Exception {
    TokenVerifier v = closeLater(new TokenVerifier(Apps.of(List.of(hsApp("one"))), clock));
    String noSubject = hs256(new JWTClaimsSet.Builder().audience("one").issuer("https://issuer")
        .expirationTime(new Date(clock.millis() + 60_000)).build(), SECRET + "one");
    assertThatThrownBy(() -> v.verify(noSubject)).hasMessageStartingWith("the token has no sub claim")
        .hasMessageNotContaining("not the one this app trusts");
    String noExpiry = hs256(new JWTClaimsSet.Builder().subject("ann").audience("one")
        .issuer("https://issuer").build(), SECRET + "one");
    assertThatThrownBy(() -> v.verify(noExpiry)).hasMessageStartingWith("the token has no exp claim")
        .hasMessageNotContaining("not the one this app trusts");
    String neither = hs256(new JWTClaimsSet.Builder().audience("one").issuer("https://issuer").build(),
        SECRET + "one");
    assertThatThrownBy(() -> v.verify(neither)).hasMessageStartingWith("the token has no exp and sub claim");
    String noIssuer = hs256(new JWTClaimsSet.Builder().subject("ann").audience("one")
        .expirationTime(new Date(clock.millis() + 60_000)).build(), SECRET + "one");
    assertThatThrownBy(() -> v.verify(noIssuer)).hasMessageStartingWith("the token has no iss claim");
  }

  @Test
  void anEmptyOrBlankSubjectIsRefused() throws Exception {
    TokenVerifier v = closeLater(new TokenVerifier(Apps.of(List.of(hsApp("one"))), clock));
    for (String subject : List.of("", "   ", "\t")) {
      String token = hs256(claims("one").subject(subject).build(), SECRET + "one");
      assertThatThrownBy(() -> v.verify(token)).isInstanceOf(TokenVerifier.InvalidTokenException.class)
          .hasMessageContaining("subject (sub) is empty");
    }
  }

  @Test
  void skewOfAMinuteIsTolerated() throws Exception {
    TokenVerifier v = new TokenVerifier(Apps.of(List.of(hsApp("one"))), clock);
    String justExpired = hs256(claims("one").expirationTime(new Date(clock.millis() - 30_000)).build(), SECRET + "one");
    assertThat(v.verify(justExpired).userId()).isEqualTo("ann");
  }

  @Test
  void aVerifiedTokenIsRememberedOnlyUntilItExpires() throws Exception {
    TokenVerifier v = new TokenVerifier(Apps.of(List.of(hsApp("one"))), clock);
    String token = hs256(claims("one").build(), SECRET + "one"); // expires in a minute
    assertThat(v.verify(token)).isSameAs(v.verify(token)); // the second from the cache
    clock.advance(125_000); // past expiry and the minute of skew
    assertThatThrownBy(() -> v.verify(token)).hasMessageContaining("expired");
  }

  @Test
  void manyMoreTokensThanTheCacheHoldsStillVerify() throws Exception {
    TokenVerifier v = new TokenVerifier(Apps.of(List.of(hsApp("one"))), clock);
    String first = hs256(claims("one").subject("u0").build(), SECRET + "one");
    for (int i = 0; i < 60_000; i++) {
      String t = hs256(claims("one").subject("u" + i).build(), SECRET + "one");
      assertThat(v.verify(t).userId()).isEqualTo("u" + i);
    }
    assertThat(v.verify(first).userId()).isEqualTo("u0");
  }

  @Test
  void refusesAlgNone() {
    TokenVerifier v = new TokenVerifier(Apps.of(List.of(hsApp("one"))), clock);
    String none = new PlainJWT(claims("one").build()).serialize();
    assertThatThrownBy(() -> v.verify(none)).hasMessageContaining("not a signed JWT");
    // an "alg":"none" header on a token with a signature part
    String header = Base64URL.encode("{\"alg\":\"none\"}").toString();
    String body = Base64URL.encode(claims("one").build().toString()).toString();
    assertThatThrownBy(() -> v.verify(header + "." + body + ".")).isInstanceOf(TokenVerifier.InvalidTokenException.class);
  }

  @Test
  void verifiesRs256AndEs256FromAJwksUrlAndRefusesHmacOverThePublicKey() throws Exception {
    RSAKey rsa = new RSAKeyGenerator(2048).keyID("rsa1").generate();
    ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec1").generate();
    String jwksJson = new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString();
    java.util.concurrent.atomic.AtomicInteger fetches = new java.util.concurrent.atomic.AtomicInteger();
    App app = appWithJwks(() -> jwksJson, fetches, () -> { });
    TokenVerifier v = closeLater(new TokenVerifier(Apps.of(List.of(app)), clock));
    // fetched in the background at start: the first call does not wait for it on an event loop
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
        .until(() -> fetches.get() >= 1);

    assertThat(v.verify(signed(JWSAlgorithm.RS256, "rsa1", new RSASSASigner(rsa))).userId()).isEqualTo("ann");
    assertThat(v.verify(signed(JWSAlgorithm.ES256, "ec1", new ECDSASigner(ec))).userId()).isEqualTo("ann");
    // HS/RS confusion: an HMAC keyed with the public key's bytes must not pass
    String confused = signed(JWSAlgorithm.HS256, "rsa1",
        new MACSigner(rsa.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8)));
    assertThatThrownBy(() -> v.verify(confused)).isInstanceOf(TokenVerifier.InvalidTokenException.class);
  }

  @Test
  void aKeyNeverSeenIsFetchedInTheBackgroundAndTheCallerDoesNotWaitForTheNetwork() throws Exception {
    RSAKey first = new RSAKeyGenerator(2048).keyID("k1").generate();
    RSAKey rotated = new RSAKeyGenerator(2048).keyID("k2").generate();
    java.util.concurrent.atomic.AtomicReference<String> served = new java.util.concurrent.atomic.AtomicReference<>(
        new JWKSet(List.of(first.toPublicJWK())).toString());
    java.util.concurrent.atomic.AtomicInteger fetches = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.CountDownLatch slow = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean holdFetches = new java.util.concurrent.atomic.AtomicBoolean();
    App app = appWithJwks(served::get, fetches, () -> {
      if (holdFetches.get()) {
        try {
          slow.await(); // the identity provider is slow to answer
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    // an unknown key fetches again at the soonest after a second here (10 s by default)
    try (TokenVerifier v = new TokenVerifier(Apps.of(List.of(app)), clock, 1_000)) {
      // the first key set is in place once a k1 token verifies (the fetch is counted when the
      // request arrives, before the keys are parsed and installed)
      String k1 = signed(JWSAlgorithm.RS256, "k1", new RSASSASigner(first));
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
          .ignoreExceptions().untilAsserted(() -> assertThat(v.verify(k1).userId()).isEqualTo("ann"));

      // the provider rotates to k2 and answers slowly: a k2 token is refused at once, not after
      // the fetch, and the refusal says what to do
      served.set(new JWKSet(List.of(first.toPublicJWK(), rotated.toPublicJWK())).toString());
      holdFetches.set(true);
      String k2 = signed(JWSAlgorithm.RS256, "k2", new RSASSASigner(rotated));
      org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(2), () ->
          assertThatThrownBy(() -> v.verify(k2)).isInstanceOf(TokenVerifier.InvalidTokenException.class)
              .hasMessageContaining("retry"));
      // tokens signed with the known key keep verifying meanwhile
      assertThat(v.verify(signed(JWSAlgorithm.RS256, "k1", new RSASSASigner(first))).userId()).isEqualTo("ann");

      // once the provider answers, the rotated key verifies (if the k1 wait above ran into the
      // first fetch, its miss fetch holds the next one back for the miss interval of a second)
      slow.countDown();
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).ignoreExceptions()
          .untilAsserted(() -> assertThat(v.verify(k2).userId()).isEqualTo("ann"));
      assertThat(fetches.get()).as("one fetch at start, one after the unknown key (and at most one "
          + "after a k1 token that came before the first keys)").isBetween(2, 3);
    }
  }

  /**
   * Serves a JWKS on a local port (each fetch first runs {@code beforeAnswer}, then is counted in
   * {@code fetches}) and returns an app that verifies tokens with it.
   */
  private App appWithJwks(java.util.function.Supplier<String> keys,
      java.util.concurrent.atomic.AtomicInteger fetches, Runnable beforeAnswer) throws Exception {
    jwks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    jwks.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    jwks.createContext("/jwks.json", ex -> {
      beforeAnswer.run();
      fetches.incrementAndGet();
      byte[] b = keys.get().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("content-type", "application/json");
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    jwks.start();
    return App.builder("rs", "rs-key", "rs-secret").auth(new AuthSettings("rs-admin", Optional.empty(),
        Optional.of("http://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks.json"), Optional.empty(), "rs")).build();
  }

  private String signed(JWSAlgorithm alg, String kid, JWSSigner signer) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).type(JOSEObjectType.JWT).build(),
        claims("rs").issuer(null).build());
    jwt.sign(signer);
    return jwt.serialize();
  }
}
