package dev.beacon.bench.client;

import dev.beacon.protocol.auth.Hmac;
import dev.beacon.protocol.auth.PusherSignatures;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The Pusher app the load generator acts for, and every signature it needs: channel
 * authorization for private and presence subscriptions, and HTTP API request signatures. Signing
 * here stands in for the app's backend, as pusher-js would get them from an auth endpoint.
 */
public record BenchApp(String id, String key, String secret) {

  /** The {@code auth} value of a subscription to {@code channel} by {@code socketId}. */
  public String channelAuth(String socketId, String channel, Optional<String> channelData) {
    return PusherSignatures.channelAuth(key, secret, socketId, channel, channelData);
  }

  /**
   * The query string of a signed HTTP API request (without {@code ?}): {@code auth_key}, {@code
   * auth_timestamp}, {@code auth_version}, {@code body_md5} and {@code auth_signature}, as the
   * Pusher server SDKs send them.
   */
  public String signedQuery(String method, String path, byte[] body, long epochSeconds) {
    Map<String, String> query = new LinkedHashMap<>();
    query.put("auth_key", key);
    query.put("auth_timestamp", Long.toString(epochSeconds));
    query.put("auth_version", "1.0");
    if (body.length > 0) {
      query.put("body_md5", Hmac.md5Hex(body));
    }
    String signature = PusherSignatures.requestSignature(secret, method, path, query);
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> e : query.entrySet()) {
      sb.append(e.getKey()).append('=').append(e.getValue()).append('&');
    }
    return sb.append("auth_signature=").append(signature).toString();
  }

  /** The body of {@code POST /apps/{id}/events} carrying {@code data} as a JSON string. */
  public static byte[] triggerBody(String channel, String event, String data) {
    return ("{\"name\":\"" + event + "\",\"channels\":[\"" + channel + "\"],\"data\":\""
        + data + "\"}").getBytes(StandardCharsets.UTF_8);
  }
}
