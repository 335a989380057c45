package dev.beacon.server.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.app.Apps;
import dev.beacon.core.conversations.MessageStreams;
import dev.beacon.core.conversations.StreamRelay;
import dev.beacon.core.hub.ClusterBus;
import dev.beacon.protocol.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams through any node of a cluster: a chunk or the end of a stream this node does not hold
 * is sent to the other nodes as a {@value #REQUEST_TOPIC} signal; the node that holds the stream
 * (has its text so far in memory) makes it and answers with a {@value #REPLY_TOPIC} signal
 * addressed to the asking node, whose call returns that answer. The others hold nothing for it
 * and stay silent. When no answer comes within {@value #TIMEOUT_MILLIS} ms, no node holds the
 * stream (its node is gone): the asking node takes it over from its stored text.
 */
final class ClusterStreams implements StreamRelay {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterStreams.class);

  /** A chunk or an end for the node holding the stream: {@code {id, from, request}}. */
  static final String REQUEST_TOPIC = "stream";
  /** The holder's answer: {@code {id, to, answer}}. */
  static final String REPLY_TOPIC = "streamed";
  /** How long a relayed call waits for the holder before taking the stream over. */
  static final long TIMEOUT_MILLIS = 2000;

  private final ClusterBus bus;
  private final String node;
  private final AtomicLong next = new AtomicLong();
  private final ConcurrentHashMap<String, CompletableFuture<JsonNode>> waiting =
      new ConcurrentHashMap<>();

  ClusterStreams(ClusterBus bus, String node) {
    this.bus = bus;
    this.node = node;
  }

  @Override
  public Optional<JsonNode> send(String appId, JsonNode request) {
    String id = node + "/" + next.incrementAndGet();
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    waiting.put(id, answer);
    try {
      ObjectNode m = JsonNodeFactory.instance.objectNode().put("id", id).put("from", node);
      m.set("request", request);
      bus.signal(REQUEST_TOPIC, appId, Json.write(m).getBytes(StandardCharsets.UTF_8));
      return Optional.of(answer.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
    } catch (TimeoutException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (java.util.concurrent.ExecutionException e) {
      return Optional.empty();
    } finally {
      waiting.remove(id);
    }
  }

  /** Another node's request: served if this node holds the stream. On the bus's thread. */
  void requested(Apps apps, MessageStreams streams, Executor blocking, String appId,
      byte[] payload) {
    JsonNode m;
    try {
      m = Json.parse(new String(payload, StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      LOG.warn("cluster: ignored a malformed stream request: {}", e.getMessage());
      return;
    }
    String id = m.path("id").asText();
    String from = m.path("from").asText();
    apps.byId(appId).ifPresent(app -> streams.serve(app, m.path("request"), blocking, answer -> {
      ObjectNode reply = JsonNodeFactory.instance.objectNode().put("id", id).put("to", from);
      reply.set("answer", answer);
      bus.signal(REPLY_TOPIC, appId, Json.write(reply).getBytes(StandardCharsets.UTF_8));
    }));
  }

  /** The holder's answer to a request of this node's. */
  void replied(byte[] payload) {
    JsonNode m;
    try {
      m = Json.parse(new String(payload, StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      LOG.warn("cluster: ignored a malformed stream answer: {}", e.getMessage());
      return;
    }
    if (!node.equals(m.path("to").asText())) {
      return;
    }
    CompletableFuture<JsonNode> f = waiting.get(m.path("id").asText());
    if (f != null) {
      f.complete(m.path("answer"));
    }
  }
}
