package dev.beacon.core.pusher;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.app.App;
import dev.beacon.core.hub.ChannelHub;
import dev.beacon.core.hub.ChannelStats;
import dev.beacon.core.hub.OverloadedException;
import dev.beacon.core.time.Clock;
import dev.beacon.protocol.auth.Hmac;
import dev.beacon.protocol.auth.PusherSignatures;
import dev.beacon.protocol.json.Json;
import dev.beacon.protocol.pusher.ChannelName;
import dev.beacon.protocol.pusher.ChannelType;
import dev.beacon.protocol.pusher.PusherCodec;
import dev.beacon.protocol.pusher.ServerMessage;
import dev.beacon.protocol.pusher.TriggerRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * The Pusher Channels HTTP API ({@code /apps/{app_id}/...}): request authentication and what each
 * endpoint does. The transport maps paths to these methods and the results to JSON bodies; an
 * {@link ApiException} carries the status of a refusal.
 */
public final class PusherHttpApi {

  /** Requests are accepted within this many seconds of the server's clock. */
  public static final long TIMESTAMP_WINDOW_SECONDS = 600;

  private static final Pattern SOCKET_ID = Pattern.compile("\\d+\\.\\d+");
  private static final Set<String> EVENT_INFO = Set.of("user_count", "subscription_count");
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final PusherChannels channels;
  private final ChannelHub hub;
  private final Clock clock;

  public PusherHttpApi(PusherChannels channels, Clock clock) {
    this.channels = channels;
    this.hub = channels.hub();
    this.clock = clock;
  }

  // ------------------------------------------------------------------ authentication

  /**
   * Finds the app and checks the request's signature, key, timestamp and body digest.
   *
   * @param query the decoded query parameters
   * @throws ApiException 404 for an unknown app, 403 for a disabled one, 401 for bad credentials
   */
  public App authenticate(String appId, String method, String path, Map<String, String> query,
      byte[] body) {
    App app = channels.apps().byId(appId)
        .orElseThrow(() -> new ApiException(404, "Unknown app id '" + appId + "'"));
    if (!app.enabled()) {
      throw new ApiException(403, "Application is disabled");
    }
    String key = query.get("auth_key");
    if (key == null) {
      throw new ApiException(401, "Missing auth_key");
    }
    if (!key.equals(app.key())) {
      throw new ApiException(401, "Unknown auth_key '" + key + "' for app '" + appId + "'");
    }
    String timestamp = query.get("auth_timestamp");
    if (timestamp == null) {
      throw new ApiException(401, "Missing auth_timestamp");
    }
    long ts;
    try {
      ts = Long.parseLong(timestamp);
    } catch (NumberFormatException e) {
      throw new ApiException(401, "auth_timestamp must be seconds since the epoch, got '" + timestamp + "'");
    }
    long now = clock.millis() / 1000;
    if (Math.abs(now - ts) > TIMESTAMP_WINDOW_SECONDS) {
      throw new ApiException(401, "Timestamp expired: given timestamp (" + ts + ") not within "
          + TIMESTAMP_WINDOW_SECONDS + "s of server time (" + now + ")");
    }
    String version = query.get("auth_version");
    if (version != null && !version.equals("1.0")) {
      throw new ApiException(401, "Unsupported auth_version '" + version + "' (expected 1.0)");
    }
    if (body != null && body.length > 0) {
      String md5 = query.get("body_md5");
      if (md5 == null) {
        throw new ApiException(401, "Missing body_md5 for a request with a body");
      }
      String actual = Hmac.md5Hex(body);
      if (!Hmac.constantTimeEquals(actual, md5.toLowerCase(java.util.Locale.ROOT))) {
        throw new ApiException(401, "body_md5 does not match the body (expected " + actual + ")");
      }
    }
    String signature = query.get("auth_signature");
    if (signature == null) {
      throw new ApiException(401, "Missing auth_signature");
    }
    String toSign = PusherSignatures.requestStringToSign(method, path, query);
    String expected = Hmac.sha256Hex(app.secret(), toSign);
    if (!Hmac.constantTimeEquals(expected, signature)) {
      throw new ApiException(401, "Invalid signature: expected HMAC SHA256 hex digest of "
          + Json.quote(toSign) + " with the app secret");
    }
    return app;
  }

  // ------------------------------------------------------------------ events

  /**
   * {@code POST /events}. Bad requests are refused at once ({@link ApiException}); the {@code
   * info} attributes asked for are the cluster's in a cluster (the stage then fails with {@link
   * dev.beacon.core.hub.ClusterUnavailableException} when the cluster cannot answer; the event
   * was published all the same).
   */
  public CompletionStage<ObjectNode> trigger(App app, TriggerRequest request) {
    List<ChannelName> names = validate(app, request, false);
    admit(app, names);
    CompletableFuture<Void> kept = publish(app, request, names);
    ObjectNode out = NODES.objectNode();
    if (request.info().isEmpty()) {
      return kept.isDone() ? CompletableFuture.completedFuture(out) : kept.thenApply(v -> out);
    }
    ObjectNode byChannel = out.putObject("channels");
    List<CompletableFuture<ObjectNode>> infos = new ArrayList<>(names.size());
    for (ChannelName name : names) {
      infos.add(info(app, name, request.info()).toCompletableFuture());
    }
    return CompletableFuture.allOf(kept,
        CompletableFuture.allOf(infos.toArray(CompletableFuture[]::new))).thenApply(v -> {
      for (int i = 0; i < names.size(); i++) {
        byChannel.set(names.get(i).value(), infos.get(i).join());
      }
      return out;
    });
  }

  /**
   * {@code POST /batch_events}: every event is validated before any is sent; {@code info} as for
   * {@link #trigger}.
   */
  public CompletionStage<ObjectNode> batch(App app, List<TriggerRequest> batch) {
    if (batch.isEmpty()) {
      throw new ApiException(400, "'batch' must hold at least one event");
    }
    if (batch.size() > app.maxBatchEvents()) {
      throw new ApiException(400, "Batch of " + batch.size() + " events exceeds the limit of "
          + app.maxBatchEvents());
    }
    List<List<ChannelName>> names = new ArrayList<>(batch.size());
    for (TriggerRequest request : batch) {
      names.add(validate(app, request, true));
    }
    List<ChannelName> all = new ArrayList<>();
    names.forEach(all::addAll);
    admit(app, all);
    boolean anyInfo = false;
    List<CompletableFuture<Void>> kept = new ArrayList<>(1);
    for (int i = 0; i < batch.size(); i++) {
      CompletableFuture<Void> stored = publish(app, batch.get(i), names.get(i));
      if (!stored.isDone()) {
        kept.add(stored);
      }
      anyInfo |= !batch.get(i).info().isEmpty();
    }
    ObjectNode out = NODES.objectNode();
    CompletableFuture<Void> allKept = kept.isEmpty() ? KEPT
        : CompletableFuture.allOf(kept.toArray(CompletableFuture[]::new));
    if (!anyInfo) {
      return allKept.isDone() ? CompletableFuture.completedFuture(out) : allKept.thenApply(v -> out);
    }
    List<CompletableFuture<ObjectNode>> infos = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      infos.add(batch.get(i).info().isEmpty()
          ? CompletableFuture.completedFuture(NODES.objectNode())
          : info(app, names.get(i).get(0), batch.get(i).info()).toCompletableFuture());
    }
    return CompletableFuture.allOf(allKept,
        CompletableFuture.allOf(infos.toArray(CompletableFuture[]::new))).thenApply(v -> {
      ArrayNode results = out.putArray("batch");
      infos.forEach(f -> results.add(f.join()));
      return out;
    });
  }

  private List<ChannelName> validate(App app, TriggerRequest request, boolean batchEntry) {
    if (request.channels().size() > app.maxChannelsPerEvent()) {
      throw new ApiException(400, "Event sent to " + request.channels().size()
          + " channels, the limit is " + app.maxChannelsPerEvent());
    }
    if (request.name().length() > app.maxEventNameLength()) {
      throw new ApiException(400, "Event name is " + request.name().length()
          + " characters, the limit is " + app.maxEventNameLength());
    }
    if (request.name().startsWith("pusher:") || request.name().startsWith("pusher_internal:")) {
      throw new ApiException(400, "Event names starting with 'pusher:' are reserved");
    }
    int size = request.data().getBytes(StandardCharsets.UTF_8).length;
    if (size > app.maxPayloadBytes()) {
      throw new ApiException(413, "Payload of " + size + " bytes exceeds the limit of "
          + app.maxPayloadBytes() + " bytes");
    }
    if (request.socketId().isPresent() && !SOCKET_ID.matcher(request.socketId().get()).matches()) {
      throw new ApiException(400, "Invalid socket_id '" + request.socketId().get() + "'");
    }
    checkInfo(request.info());
    List<ChannelName> names = new ArrayList<>(request.channels().size());
    for (String channel : request.channels()) {
      try {
        names.add(ChannelName.parse(channel));
      } catch (IllegalArgumentException e) {
        throw new ApiException(400, "Invalid channel: " + e.getMessage());
      }
    }
    if (names.size() > 1 && names.stream().anyMatch(n -> n.type() == ChannelType.PRIVATE_ENCRYPTED)) {
      throw new ApiException(400, "An event to an encrypted channel must name only that channel");
    }
    // info=user_count on a channel that is not a presence channel is answered without it, never
    // refused: an info flag must not cost the event its delivery
    return names;
  }

  /** Refuses the whole request with 503 if any channel's delivery would overflow a queue. */
  private void admit(App app, List<ChannelName> names) {
    try {
      hub.admit(app, names);
    } catch (OverloadedException e) {
      throw new ApiException(503, e.getMessage());
    }
  }

  /**
   * Publishes the event to its channels; completes once every cache channel's event is kept
   * where any node's subscriber finds it (in a cluster, so that a client told "published"
   * finds it whichever node it subscribes on).
   */
  private CompletableFuture<Void> publish(App app, TriggerRequest request, List<ChannelName> names) {
    String dataJson = Json.quote(request.data());
    String exclude = request.socketId().orElse(null);
    List<CompletableFuture<Void>> kept = new ArrayList<>(1);
    for (ChannelName name : names) {
      byte[] frame = PusherCodec.encode(new ServerMessage.ChannelEvent(
          name.value(), request.name(), dataJson, Optional.empty()));
      CompletableFuture<Void> stored = hub.publishAdmitted(app, name, frame, exclude)
          .toCompletableFuture();
      if (!stored.isDone()) {
        kept.add(stored);
      }
    }
    channels.console().apiEvent(app.id(), request.channels(), request.name(), request.data());
    channels.metrics().apiEvent(app.id(), names.size());
    return kept.isEmpty() ? KEPT : CompletableFuture.allOf(kept.toArray(CompletableFuture[]::new));
  }

  private static final CompletableFuture<Void> KEPT = CompletableFuture.completedFuture(null);

  /** A channel's {@code info} attributes: the cluster's counts in a cluster. */
  private CompletionStage<ObjectNode> info(App app, ChannelName name, Set<String> attributes) {
    return hub.channelStats(app, name.value()).thenApply(stats -> {
      ObjectNode node = NODES.objectNode();
      if (attributes.contains("user_count") && name.isPresence()) {
        node.put("user_count", stats.userCount());
      }
      if (attributes.contains("subscription_count")) {
        node.put("subscription_count", stats.subscriptionCount());
      }
      return node;
    });
  }

  // ------------------------------------------------------------------ channels

  /**
   * {@code GET /channels}: the cluster's channels in a cluster. Bad requests are refused at once
   * ({@link ApiException}); the stage fails with {@link
   * dev.beacon.core.hub.ClusterUnavailableException} when the cluster cannot answer.
   */
  public CompletionStage<ObjectNode> channels(App app, Optional<String> prefix, Set<String> info) {
    checkInfo(info);
    if (info.contains("user_count") && !prefix.map(p -> p.startsWith("presence-")).orElse(false)) {
      throw new ApiException(400,
          "info=user_count needs filter_by_prefix to start with 'presence-'");
    }
    return hub.occupiedChannels(app, prefix.orElse("")).thenApply(occupied -> {
      ObjectNode out = NODES.objectNode();
      ObjectNode list = out.putObject("channels");
      for (Map.Entry<String, ChannelStats> e : occupied.entrySet()) {
        ObjectNode node = list.putObject(e.getKey());
        if (info.contains("user_count")) {
          node.put("user_count", e.getValue().userCount());
        }
        if (info.contains("subscription_count")) {
          node.put("subscription_count", e.getValue().subscriptionCount());
        }
      }
      return out;
    });
  }

  /** {@code GET /channels/{name}}: the cluster's counts in a cluster. */
  public CompletionStage<ObjectNode> channel(App app, String channel, Set<String> info) {
    ChannelName name = channelName(channel);
    checkInfo(info);
    if (info.contains("user_count") && !name.isPresence()) {
      throw new ApiException(400, "info=user_count is only available for presence channels");
    }
    return hub.channelStats(app, name.value()).thenApply(stats -> {
      ObjectNode out = NODES.objectNode();
      out.put("occupied", stats.occupied());
      if (info.contains("user_count")) {
        out.put("user_count", stats.userCount());
      }
      if (info.contains("subscription_count")) {
        out.put("subscription_count", stats.subscriptionCount());
      }
      return out;
    });
  }

  /** {@code GET /channels/{name}/users}: the cluster's members in a cluster. */
  public CompletionStage<ObjectNode> users(App app, String channel) {
    ChannelName name = channelName(channel);
    if (!name.isPresence()) {
      throw new ApiException(400, "Users can only be listed for presence channels, not '" + channel + "'");
    }
    return hub.presenceMembers(app, name.value()).thenApply(members -> {
      ObjectNode out = NODES.objectNode();
      ArrayNode users = out.putArray("users");
      for (ServerMessage.Member m : members) {
        users.addObject().put("id", m.userId());
      }
      return out;
    });
  }

  /** {@code POST /users/{id}/terminate_connections}. */
  public ObjectNode terminate(App app, String userId) {
    if (userId == null || userId.isEmpty()) {
      throw new ApiException(400, "A user id is required");
    }
    channels.terminateUser(app, userId);
    return NODES.objectNode();
  }

  private static void checkInfo(Set<String> info) {
    for (String attribute : info) {
      if (!EVENT_INFO.contains(attribute)) {
        throw new ApiException(400, "Unknown info attribute '" + attribute
            + "' (known: user_count, subscription_count)");
      }
    }
  }

  private static ChannelName channelName(String channel) {
    try {
      return ChannelName.parse(channel);
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, "Invalid channel: " + e.getMessage());
    }
  }
}
