package dev.beacon.server.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.app.Apps;
import dev.beacon.core.conversations.MessageStreams;
import dev.beacon.core.conversations.StreamRelay;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.protocol.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.Map;
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
 * stream (its node is gone): the asking node claims it ({@link RedisClusterBus#claimStream}, a
 * compare-and-set on the holder's key in Redis), and takes it over from its stored text if it
 * won; a node that lost (another node took it over at the same moment) asks again, and the
 * winner answers. So however many nodes find the holder gone at once, one holds the stream.
 *
 * <p>A winner holds the stream with the claim's epoch (fencing, {@link StreamRelay}); once it
 * has taken it over it tells the other nodes ({@value #REPLY_TOPIC} with {@code epoch}, no
 * addressee), so a holder taken for gone that was only paused drops its copy as soon as it runs
 * again, before it serves a request sent after the takeover (one connection's messages arrive in
 * order); its writes are refused by the store in any case.
 */
final class ClusterStreams implements StreamRelay {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterStreams.class);

  /** A chunk or an end for the node holding the stream: {@code {id, from, request}}. */
  static final String REQUEST_TOPIC = "stream";
  /** The holder's answer: {@code {id, to, by, answer}}. */
  static final String REPLY_TOPIC = "streamed";
  /** How long a relayed call waits for the holder before taking the stream over. */
  static final long TIMEOUT_MILLIS = 2000;
  /** How long requests wait for a claim this node won to be taken over, at most. */
  static final long TAKE_OVER_MILLIS = 1000;
  /** Claims a call makes before it gives up (each lost to a node that then did not answer). */
  static final int MAX_CLAIMS = 3;
  /** Streams whose holder this node remembers (from its answers). */
  private static final int HOLDERS_KEPT = 4096;

  private final RedisClusterBus bus;
  private final String node;
  private final AtomicLong next = new AtomicLong();
  private final ConcurrentHashMap<String, CompletableFuture<JsonNode>> waiting =
      new ConcurrentHashMap<>();
  /**
   * The node that last answered for a stream (app and message id): the holder a claim replaces
   * when it did not answer, so that a dead holder is replaced after one timeout, not after its
   * liveness key lapsed too.
   */
  private final Map<String, String> holders = java.util.Collections.synchronizedMap(
      new java.util.LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
          return size() > HOLDERS_KEPT;
        }
      });

  /**
   * Streams this node is claiming or has just won and not yet taken over (the caller builds
   * the stream from the store): requests for them wait here until it holds the stream, so that
   * a node that lost the claim and asks again is answered, not left to time out.
   */
  private final ConcurrentHashMap<String, CompletableFuture<Void>> claiming =
      new ConcurrentHashMap<>();

  ClusterStreams(RedisClusterBus bus, String node) {
    this.bus = bus;
    this.node = node;
  }

  @Override
  public long startEpoch() {
    return 0; // claims get newer ones
  }

  @Override
  public Sent send(String appId, JsonNode request) {
    String messageId = request.path("messageId").asText();
    String stream = appId + '\u0000' + messageId;
    String id = node + "/" + next.incrementAndGet();
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    waiting.put(id, answer);
    try {
      ObjectNode m = JsonNodeFactory.instance.objectNode().put("id", id).put("from", node);
      m.set("request", request);
      byte[] payload = Json.write(m).getBytes(StandardCharsets.UTF_8);
      String unanswered = holders.getOrDefault(stream, "");
      for (int claims = 0; claims < MAX_CLAIMS; claims++) {
        bus.signal(REQUEST_TOPIC, appId, payload);
        Optional<JsonNode> answered = await(answer);
        if (answered.isPresent()) {
          return Sent.answered(answered.get());
        }
        // nobody answered as its holder: take it over, unless another node holds it now
        CompletableFuture<Void> taking = claiming.computeIfAbsent(stream,
            k -> new CompletableFuture<>());
        RedisClusterBus.StreamClaim claim;
        try {
          claim = claim(appId, messageId, unanswered);
        } catch (RuntimeException e) {
          release(stream, taking);
          throw e;
        }
        String holder = claim.holder();
        if (!holder.equals(node)) {
          release(stream, taking);
        } else if (answer.isDone()) {
          // the holder answered after all, late: it made the request (it keeps the stream;
          // the claim only names this node to a later claim)
          release(stream, taking);
          return Sent.answered(answer.join());
        } else {
          // held once the caller built it ({@link #holding}, {@link #ended}), or given up
          taking.completeOnTimeout(null, TAKE_OVER_MILLIS, TimeUnit.MILLISECONDS)
              .whenComplete((v, e) -> claiming.remove(stream, taking));
          holders.remove(stream);
          LOG.info("cluster: took over the stream of message '{}' (no answer from {} within "
              + "{} ms)", messageId, unanswered.isEmpty() ? "its holder" : unanswered,
              TIMEOUT_MILLIS);
          return Sent.claimed(claim.epoch());
        }
        if (answer.isDone()) {
          return Sent.answered(answer.join()); // answered meanwhile, late
        }
        // another node took it over a moment ago: it answers the same request (if it does
        // not either, the next claim takes the stream from it)
        unanswered = holder;
      }
      throw FunctionException.unavailable("no node answered for the stream of message '"
          + messageId + "' (" + MAX_CLAIMS + " holders in turn did not answer within "
          + TIMEOUT_MILLIS + " ms)");
    } finally {
      waiting.remove(id);
    }
  }

  private static Optional<JsonNode> await(CompletableFuture<JsonNode> answer) {
    try {
      return Optional.of(answer.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
    } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw FunctionException.unavailable("interrupted while waiting for a stream's holder");
    }
  }

  /** The stream's holder after this node's claim: this node's id when it won. Blocking. */
  private RedisClusterBus.StreamClaim claim(String appId, String messageId, String unanswered) {
    try {
      return bus.claimStream(appId, messageId, unanswered).toCompletionStage()
          .toCompletableFuture().get(RedisClusterBus.COMMAND_TIMEOUT_MILLIS + 500,
              TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw FunctionException.unavailable("the stream of message '" + messageId + "' has no "
          + "holder answering and the cluster cannot say who takes it over: "
          + cause.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw FunctionException.unavailable("interrupted while claiming a stream");
    }
  }

  private void release(String stream, CompletableFuture<Void> taking) {
    claiming.remove(stream, taking);
    taking.complete(null);
  }

  @Override
  public void holding(String appId, String messageId, long epoch) {
    bus.streamHeld(appId, messageId);
    if (epoch > 0) {
      // taken over: a holder before it (taken for gone) drops its copy when it hears this
      ObjectNode told = JsonNodeFactory.instance.objectNode().put("to", "").put("by", node)
          .put("app", appId).put("messageId", messageId).put("epoch", epoch);
      bus.signal(REPLY_TOPIC, appId, Json.write(told).getBytes(StandardCharsets.UTF_8));
    }
    taken(appId + '\u0000' + messageId);
  }

  @Override
  public void notTaken(String appId, String messageId) {
    taken(appId + '\u0000' + messageId);
  }

  @Override
  public void ended(String appId, String messageId) {
    String stream = appId + '\u0000' + messageId;
    holders.remove(stream);
    bus.streamEnded(appId, messageId);
    taken(stream);
  }

  /** A claim this node won is settled: the requests that waited for it are served now. */
  private void taken(String stream) {
    CompletableFuture<Void> taking = claiming.remove(stream);
    if (taking != null) {
      taking.complete(null);
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
    CompletableFuture<Void> taking = claiming.get(appId + '\u0000'
        + m.path("request").path("messageId").asText());
    if (taking != null && !taking.isDone()) {
      // this node is taking the stream over: served once it holds it
      taking.whenComplete((v, e) -> requested(apps, streams, blocking, appId, payload));
      return;
    }
    apps.byId(appId).ifPresent(app -> streams.serve(app, m.path("request"), blocking, answer -> {
      ObjectNode reply = JsonNodeFactory.instance.objectNode().put("id", id).put("to", from)
          .put("by", node).put("app", appId).put("messageId", m.path("request")
              .path("messageId").asText());
      reply.set("answer", answer);
      bus.signal(REPLY_TOPIC, appId, Json.write(reply).getBytes(StandardCharsets.UTF_8));
    }));
  }

  /**
   * The holder's answer to a request of this node's, or (with {@code epoch}) a node's word that
   * it took a stream over.
   */
  void replied(MessageStreams streams, byte[] payload) {
    JsonNode m;
    try {
      m = Json.parse(new String(payload, StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      LOG.warn("cluster: ignored a malformed stream answer: {}", e.getMessage());
      return;
    }
    if (m.hasNonNull("by")) {
      // every node hears every answer: each knows the holder of the streams written now
      holders.put(m.path("app").asText() + '\u0000' + m.path("messageId").asText(),
          m.path("by").asText());
    }
    if (m.hasNonNull("epoch")) {
      streams.superseded(m.path("app").asText(), m.path("messageId").asText(),
          m.path("epoch").asLong());
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
