package dev.beacon.server.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.beacon.core.app.PushSettings;
import dev.beacon.protocol.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.Date;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An app's VAPID identity (RFC 8292): signs the {@code Authorization: vapid t=..., k=...} header
 * for a push service's origin, each token valid 12 hours and reused for 6.
 */
final class Vapid {

  static final long TOKEN_MILLIS = 12 * 3_600_000L;

  private final ECPrivateKey privateKey;
  private final String publicKey;
  private final String subject;
  private final ConcurrentHashMap<String, Token> tokens = new ConcurrentHashMap<>();

  private record Token(String header, long renewAt) {}

  /** @throws IllegalArgumentException when the keys are malformed or do not belong together */
  Vapid(PushSettings.Web web) {
    this.subject = web.subject();
    this.publicKey = web.publicKey().trim().replace("=", "");
    try {
      this.privateKey = EcKeys.privateKey(EcKeys.fromBase64url(web.privateKey()));
      ECPublicKey pub = EcKeys.publicKey(EcKeys.fromBase64url(publicKey));
      // the pair must match, or every push service would refuse every push
      SignedJWT probe = sign("https://probe.invalid", 0);
      if (!probe.verify(new ECDSAVerifier(pub))) {
        throw new IllegalArgumentException("push.web.vapid_private_key does not belong to "
            + "push.web.vapid_public_key");
      }
    } catch (GeneralSecurityException | IllegalArgumentException | JOSEException e) {
      if (e instanceof IllegalArgumentException iae && iae.getMessage().startsWith("push.web")) {
        throw iae;
      }
      throw new IllegalArgumentException("push.web: the VAPID keys must be a base64url uncompressed "
          + "P-256 public key and its 32-byte private key (" + e.getMessage() + ")", e);
    }
  }

  String publicKey() {
    return publicKey;
  }

  /** The Authorization header for a push to {@code endpoint}. */
  String authorization(URI endpoint, long now) {
    String audience = endpoint.getScheme() + "://" + endpoint.getRawAuthority();
    Token t = tokens.get(audience);
    if (t == null || now >= t.renewAt()) {
      try {
        t = new Token("vapid t=" + sign(audience, now).serialize() + ", k=" + publicKey,
            now + TOKEN_MILLIS / 2);
      } catch (JOSEException e) {
        throw new IllegalStateException("cannot sign a VAPID token: " + e.getMessage(), e);
      }
      if (tokens.size() > 10_000) {
        tokens.clear(); // many push services is unusual; never grow without bound
      }
      tokens.put(audience, t);
    }
    return t.header();
  }

  private SignedJWT sign(String audience, long now) throws JOSEException {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT)
        .build(), new JWTClaimsSet.Builder().audience(audience)
        .expirationTime(new Date((now + TOKEN_MILLIS) / 1000 * 1000)).subject(subject).build());
    jwt.sign(new ECDSASigner(privateKey));
    return jwt;
  }

  /**
   * Development mode: the app's VAPID key pair kept in {@code dataDir/push/vapid-<app>.json},
   * made on first start, so browsers' subscriptions stay valid across restarts.
   */
  static PushSettings.Web developmentKeys(Path dataDir, String appId) {
    Path file = dataDir.resolve("push").resolve("vapid-" + appId + ".json");
    try {
      if (Files.isRegularFile(file)) {
        JsonNode stored = Json.parse(Files.readString(file));
        return new PushSettings.Web(stored.path("publicKey").asText(),
            stored.path("privateKey").asText(), stored.path("subject").asText());
      }
      KeyPair pair = EcKeys.generate();
      PushSettings.Web web = new PushSettings.Web(
          EcKeys.base64url(EcKeys.encodePoint((ECPublicKey) pair.getPublic())),
          EcKeys.base64url(EcKeys.encodeScalar((ECPrivateKey) pair.getPrivate())),
          "mailto:beacon@localhost");
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, "{\"publicKey\":"
          + Json.quote(web.publicKey()) + ",\"privateKey\":" + Json.quote(web.privateKey())
          + ",\"subject\":" + Json.quote(web.subject()) + "}\n");
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: the data folder's own permissions protect it
      }
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return web;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the development VAPID keys in " + file, e);
    }
  }
}
