package dev.beacon.server.push;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.ApnsClientBuilder;
import com.eatthepath.pushy.apns.DeliveryPriority;
import com.eatthepath.pushy.apns.PushType;
import com.eatthepath.pushy.apns.auth.ApnsSigningKey;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.app.App;
import dev.beacon.core.app.PushSettings;
import dev.beacon.core.outbox.PushContent;
import dev.beacon.core.push.Delivery;
import dev.beacon.core.push.OutboxEntry;
import dev.beacon.protocol.json.Json;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * APNs over HTTP/2 with token (.p8) authentication, through Pushy: one client per app, made at
 * start (a bad key file stops the server with the key named). {@code apns-collapse-id} is the
 * push's message id, so a push sent twice shows once; {@code apns-id} is derived from the message
 * and the device, so Apple's logs name both sends alike.
 */
final class ApnsSender implements AutoCloseable {

  /** APNs refuses payloads over 4 KB. */
  static final int MAX_PAYLOAD = 4096;
  /** Rejection reasons that mean the token is dead. */
  static final Set<String> DEAD = Set.of("Unregistered", "BadDeviceToken");

  private final Map<String, ApnsClient> clients;
  private final Map<String, String> topics;

  private ApnsSender(Map<String, ApnsClient> clients, Map<String, String> topics) {
    this.clients = clients;
    this.topics = topics;
  }

  /** Builds a client for every app with {@code push.apns}. */
  static ApnsSender start(Iterable<App> apps) {
    Map<String, ApnsClient> clients = new HashMap<>();
    Map<String, String> topics = new HashMap<>();
    try {
      for (App app : apps) {
        if (app.push().apns().isPresent()) {
          PushSettings.Apns apns = app.push().apns().get();
          clients.put(app.id(), client(app.id(), apns));
          topics.put(app.id(), apns.topic());
        }
      }
    } catch (RuntimeException e) {
      clients.values().forEach(ApnsClient::close);
      throw e;
    }
    return new ApnsSender(clients, topics);
  }

  private static ApnsClient client(String appId, PushSettings.Apns apns) {
    String where = "apps[" + appId + "].push.apns";
    try {
      ApnsClientBuilder builder = new ApnsClientBuilder()
          .setSigningKey(ApnsSigningKey.loadFromPkcs8File(new File(apns.keyFile()), apns.teamId(),
              apns.keyId()))
          .setConnectionTimeout(PushHttp.CONNECT_TIMEOUT)
          .setConcurrentConnections(1);
      if (apns.endpoint().isPresent()) {
        String[] hostPort = apns.endpoint().get().split(":");
        builder.setApnsServer(hostPort[0], Integer.parseInt(hostPort[1]));
      } else {
        builder.setApnsServer(apns.production() ? ApnsClientBuilder.PRODUCTION_APNS_HOST
            : ApnsClientBuilder.DEVELOPMENT_APNS_HOST);
      }
      if (apns.trustedCertificateFile().isPresent()) {
        builder.setTrustedServerCertificateChain(new File(apns.trustedCertificateFile().get()));
      }
      return builder.build();
    } catch (Exception e) {
      throw new IllegalArgumentException(where + ": cannot set up APNs with key_file '"
          + apns.keyFile() + "': " + e.getMessage(), e);
    }
  }

  CompletableFuture<Delivery> send(App app, OutboxEntry e) {
    ApnsClient client = clients.get(app.id());
    if (client == null) {
      return CompletableFuture.completedFuture(new Delivery.Rejected("apns is not configured"));
    }
    SimpleApnsPushNotification n = new SimpleApnsPushNotification(e.device().address(),
        topics.get(app.id()), payload(e), Instant.ofEpochMilli(e.expiresAt()),
        DeliveryPriority.IMMEDIATE, PushType.ALERT, e.messageId(),
        UUID.nameUUIDFromBytes((e.messageId() + '/' + e.device().id()).getBytes(StandardCharsets.UTF_8)));
    CompletableFuture<Delivery> out = new CompletableFuture<>();
    client.sendNotification(n).whenComplete((response, error) -> {
      if (error != null) {
        out.complete(Delivery.retry("apns: " + error));
        return;
      }
      if (response.isAccepted()) {
        out.complete(new Delivery.Delivered());
        return;
      }
      String reason = response.getRejectionReason().orElse("status " + response.getStatusCode());
      int status = response.getStatusCode();
      if (DEAD.contains(reason) || status == 410) {
        out.complete(new Delivery.Gone("apns: " + reason));
      } else if (status == 429 || status >= 500 || reason.equals("ExpiredProviderToken")) {
        out.complete(Delivery.retry("apns: " + reason));
      } else {
        out.complete(new Delivery.Rejected("apns: " + reason));
      }
    });
    return out;
  }

  /** {"aps": {alert: {title, body}, sound}, id, data, url}, cut to 4 KB. */
  static String payload(OutboxEntry e) {
    PushContent c = e.content();
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    ObjectNode aps = root.putObject("aps");
    ObjectNode alert = aps.putObject("alert");
    alert.put("title", c.title());
    if (!c.body().isEmpty()) {
      alert.put("body", c.body());
    }
    aps.put("sound", "default");
    root.put("id", e.messageId());
    root.set("data", Json.parse(c.dataJson()));
    if (!c.url().isEmpty()) {
      root.put("url", c.url());
    }
    String json = Json.write(root);
    if (json.getBytes(StandardCharsets.UTF_8).length > MAX_PAYLOAD) {
      root.putNull("data");
      alert.put("body", c.body().substring(0, Math.min(c.body().length(), 1000)));
      json = Json.write(root);
    }
    return json;
  }

  @Override
  public void close() {
    for (ApnsClient client : clients.values()) {
      try {
        client.close().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        // closing: nothing more to do
      }
    }
  }

}
