package dev.beacon.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The signatures of the Pusher protocol: channel authorization ({@code socket_id:channel[:data]}),
 * user authentication ({@code socket_id::user::user_data}) and HTTP API requests ({@code
 * METHOD\npath\nsorted query}), each an HMAC-SHA256 hex digest keyed by the app secret.
 */
public final class PusherSignatures {

  private PusherSignatures() {}

  /** The string a channel authorization signs. */
  public static String channelStringToSign(
      String socketId, String channel, Optional<String> channelData) {
    return channelData.map(d -> socketId + ":" + channel + ":" + d)
        .orElse(socketId + ":" + channel);
  }

  /** {@code key:signature} authorizing {@code socketId} to subscribe to {@code channel}. */
  public static String channelAuth(
      String key, String secret, String socketId, String channel, Optional<String> channelData) {
    return key + ":" + Hmac.sha256Hex(secret, channelStringToSign(socketId, channel, channelData));
  }

  /** {@code key:signature} authenticating {@code socketId} as the user in {@code userData}. */
  public static String userAuth(String key, String secret, String socketId, String userData) {
    return key + ":" + Hmac.sha256Hex(secret, socketId + "::user::" + userData);
  }

  /**
   * Checks an {@code auth} value ({@code key:signature}) against the expected signature of {@code
   * stringToSign}. The key must be the app's key.
   */
  public static boolean verifyAuth(String auth, String key, String secret, String stringToSign) {
    if (auth == null) {
      return false;
    }
    int colon = auth.indexOf(':');
    if (colon < 0 || !auth.substring(0, colon).equals(key)) {
      return false;
    }
    String expected = Hmac.sha256Hex(secret, stringToSign);
    return Hmac.constantTimeEquals(expected, auth.substring(colon + 1));
  }

  /**
   * The string an HTTP API request signs: the upper-case method, the path, and the query
   * parameters other than {@code auth_signature}, keys lower-cased and sorted, values decoded,
   * joined as {@code k=v&k=v}.
   */
  public static String requestStringToSign(String method, String path, Map<String, String> query) {
    TreeMap<String, String> sorted = new TreeMap<>();
    for (Map.Entry<String, String> e : query.entrySet()) {
      String key = e.getKey().toLowerCase(java.util.Locale.ROOT);
      if (!key.equals("auth_signature")) {
        sorted.put(key, e.getValue());
      }
    }
    StringBuilder sb = new StringBuilder(method.toUpperCase(java.util.Locale.ROOT))
        .append('\n').append(path).append('\n');
    boolean first = true;
    for (Map.Entry<String, String> e : sorted.entrySet()) {
      if (!first) {
        sb.append('&');
      }
      first = false;
      sb.append(e.getKey()).append('=').append(e.getValue());
    }
    return sb.toString();
  }

  /** The {@code auth_signature} of an HTTP API request. */
  public static String requestSignature(
      String secret, String method, String path, Map<String, String> query) {
    return Hmac.sha256Hex(secret, requestStringToSign(method, path, query));
  }

  /**
   * The per-channel shared secret of a {@code private-encrypted-} channel, base64: SHA-256 of the
   * channel name followed by the app's 32-byte encryption master key.
   */
  public static String encryptedChannelSharedSecret(String channel, byte[] masterKey) {
    byte[] name = channel.getBytes(StandardCharsets.UTF_8);
    byte[] input = new byte[name.length + masterKey.length];
    System.arraycopy(name, 0, input, 0, name.length);
    System.arraycopy(masterKey, 0, input, name.length, masterKey.length);
    return Base64.getEncoder().encodeToString(Hmac.sha256Digest(input));
  }
}
