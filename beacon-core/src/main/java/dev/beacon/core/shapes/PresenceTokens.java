package dev.beacon.core.shapes;

import dev.beacon.core.app.App;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The room and session tokens of the {@code @convex-dev/presence} shape. A token names what it
 * grants (a room to list; a room, user and session to end) and carries an HMAC of that under a key
 * derived from the app's secret, so the server keeps no table of them: a token stays valid across
 * restarts, the same room always gets the same token, and nobody can make one up. Changing the
 * app's secret invalidates them all (a client gets new ones with its next heartbeat).
 */
final class PresenceTokens {

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();
  private static final int MAC_BYTES = 16;

  /** What a session token grants: ending one session of a user in a room of an app. */
  record Session(String appId, String roomId, String userId, String sessionId) {}

  String roomToken(App app, String roomId) {
    return seal(app, "r", List.of(app.id(), roomId));
  }

  String sessionToken(App app, String roomId, String userId, String sessionId) {
    return seal(app, "s", List.of(app.id(), roomId, userId, sessionId));
  }

  /** The room a token of this app names, if it is one this server issued. */
  Optional<String> room(App app, String token) {
    return open(app, "r", token).filter(p -> p.size() == 2 && p.get(0).equals(app.id()))
        .map(p -> p.get(1));
  }

  /** The app a token claims to belong to (unverified): to pick the key to check it with. */
  static Optional<String> appOf(String token) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      return Optional.empty();
    }
    return fields(parts[1]).filter(f -> !f.isEmpty()).map(f -> f.get(0));
  }

  Optional<Session> session(App app, String token) {
    return open(app, "s", token).filter(p -> p.size() == 4 && p.get(0).equals(app.id()))
        .map(p -> new Session(p.get(0), p.get(1), p.get(2), p.get(3)));
  }

  private static String seal(App app, String kind, List<String> fields) {
    String body = B64.encodeToString(join(fields).getBytes(StandardCharsets.UTF_8));
    return kind + "." + body + "." + B64.encodeToString(mac(app, kind + "." + body));
  }

  private static Optional<List<String>> open(App app, String kind, String token) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3 || !parts[0].equals(kind)) {
      return Optional.empty();
    }
    byte[] given;
    try {
      given = B64D.decode(parts[2]);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (!MessageDigest.isEqual(given, mac(app, kind + "." + parts[1]))) {
      return Optional.empty();
    }
    return fields(parts[1]);
  }

  private static Optional<List<String>> fields(String body) {
    try {
      String text = new String(B64D.decode(body), StandardCharsets.UTF_8);
      return Optional.of(List.of(text.split("\u0000", -1)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static String join(List<String> fields) {
    return String.join("\u0000", fields);
  }

  private static byte[] mac(App app, String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      // a key of its own, derived from the secret: these MACs never sign anything else
      byte[] key = MessageDigest.getInstance("SHA-256").digest(
          ("beacon presence tokens\u0000" + app.secret()).getBytes(StandardCharsets.UTF_8));
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] full = mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
      return java.util.Arrays.copyOf(full, MAC_BYTES);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
