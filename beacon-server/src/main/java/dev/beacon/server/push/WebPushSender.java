package dev.beacon.server.push;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.app.App;
import dev.beacon.core.outbox.PushContent;
import dev.beacon.core.push.Delivery;
import dev.beacon.core.push.OutboxEntry;
import dev.beacon.protocol.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Web Push (RFC 8030): the message encrypted for the subscription (RFC 8291), POSTed to its
 * endpoint with the app's VAPID authorization (RFC 8292), {@code TTL} the push's remaining life
 * and {@code Topic} its message id, so a push sent again after a crash replaces the first one
 * still waiting in the push service.
 */
final class WebPushSender {

  private final PushHttp http;
  private final Map<String, Vapid> vapids;

  /** @param vapids the VAPID identity of every app with Web Push */
  WebPushSender(PushHttp http, Map<String, Vapid> vapids) {
    this.http = http;
    this.vapids = Map.copyOf(vapids);
  }

  CompletableFuture<Delivery> send(App app, OutboxEntry e) {
    Vapid vapid = vapids.get(app.id());
    if (vapid == null) {
      return CompletableFuture.completedFuture(new Delivery.Rejected("web push is not configured"));
    }
    URI endpoint = URI.create(e.device().address());
    byte[] body;
    try {
      body = WebPushEncryption.encrypt(payload(e), EcKeys.fromBase64url(e.device().p256dh()),
          EcKeys.fromBase64url(e.device().auth()));
    } catch (GeneralSecurityException | IllegalArgumentException ex) {
      // a subscription whose keys are no P-256 point can never be reached
      return CompletableFuture.completedFuture(new Delivery.Gone("bad subscription keys: "
          + ex.getMessage()));
    }
    long now = System.currentTimeMillis();
    HttpRequest request = HttpRequest.newBuilder(endpoint)
        .version("http".equals(endpoint.getScheme()) ? HttpClient.Version.HTTP_1_1 : HttpClient.Version.HTTP_2)
        .timeout(PushHttp.REQUEST_TIMEOUT)
        .header("TTL", Long.toString(e.ttlSecondsAt(now)))
        .header("Topic", e.messageId())
        .header("Urgency", "high")
        .header("Content-Encoding", "aes128gcm")
        .header("Content-Type", "application/octet-stream")
        .header("Authorization", vapid.authorization(endpoint, now))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    return http.client().sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .handle((response, error) -> {
          if (error != null) {
            return Delivery.retry("web push: " + error);
          }
          int status = response.statusCode();
          if (status >= 200 && status < 300) {
            return new Delivery.Delivered();
          }
          if (status == 404 || status == 410) {
            return new Delivery.Gone("the push service answered " + status);
          }
          if (status == 429 || status >= 500) {
            return PushHttp.retry(response, "web push service");
          }
          return new Delivery.Rejected("the push service answered " + status + ": "
              + PushHttp.snippet(response.body()));
        });
  }

  /** What the service worker gets: {title, body, data, url, id}, cut to fit one record. */
  static byte[] payload(OutboxEntry e) {
    PushContent c = e.content();
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("id", e.messageId());
    n.put("title", c.title());
    n.put("body", c.body());
    n.set("data", Json.parse(c.dataJson()));
    n.put("url", c.url());
    byte[] bytes = Json.write(n).getBytes(StandardCharsets.UTF_8);
    if (bytes.length > WebPushEncryption.MAX_PLAINTEXT) {
      n.putNull("data"); // too large for a push: the app reads it from the notification
      n.put("truncated", true);
      bytes = Json.write(n).getBytes(StandardCharsets.UTF_8);
      if (bytes.length > WebPushEncryption.MAX_PLAINTEXT) {
        n.put("body", c.body().substring(0, Math.min(c.body().length(), 1000)));
        n.put("title", c.title().substring(0, Math.min(c.title().length(), 200)));
        bytes = Json.write(n).getBytes(StandardCharsets.UTF_8);
      }
    }
    return bytes;
  }
}
