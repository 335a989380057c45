package dev.beacon.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.client.Pusher;
import com.pusher.client.channel.PrivateChannel;
import dev.beacon.protocol.json.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A streamed message written through any node of a cluster (issue 15): nodes as separate
 * processes on Redis and PostgreSQL. Chunks and the end sent through nodes that do not hold the
 * stream are made by the node that does (one count of chunks, one text, in the order sent), a
 * node started after the stream began passes them on too, watchers on other nodes get every
 * chunk in order; and when the holder is killed ({@code kill -9}) the next chunk, through any
 * node, takes the stream over from its stored text, which holds at least all a watcher saw;
 * two nodes taking it over at the same moment leave one holder (the cluster's claim is atomic).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterStreamsTest {

  @RegisterExtension
  static final ClusterNodes cluster = ClusterNodes.perClass(3);

  private static ClusterNodes.Node n(int i) {
    return cluster.node(i);
  }

  private static JsonNode call(ClusterNodes.Node node, String kind, String path, String args)
      throws Exception {
    return ClusterNodes.function(node, kind, path, args);
  }

  private static String conversation(String id) throws Exception {
    call(n(0), "mutation", "conversations:create", "{\"conversationId\":\"" + id
        + "\",\"memberIds\":[\"alice\",\"bob\"]}");
    return id;
  }

  private static String startStream(ClusterNodes.Node node, String conversationId) throws Exception {
    return call(node, "mutation", "messages:startStream", "{\"conversationId\":\"" + conversationId
        + "\"}").get("_id").asText();
  }

  static JsonNode append(ClusterNodes.Node node, String messageId, String text)
      throws Exception {
    return call(node, "mutation", "messages:appendStream", "{\"messageId\":\"" + messageId
        + "\",\"text\":" + Json.quote(text) + "}");
  }

  /** The text so far of the conversation's streaming message, as a node's getStreaming has it. */
  static String streamingText(ClusterNodes.Node node, String conversationId)
      throws Exception {
    JsonNode all = call(node, "query", "messages:getStreaming", "{\"conversationId\":\""
        + conversationId + "\"}");
    return all.isEmpty() ? null : all.get(0).path("content").asText();
  }

  @Test
  @Order(1)
  void chunksAndTheEndThroughAnyNodeAreMadeByTheNodeHoldingTheStream() throws Exception {
    String conv = conversation("cs-any");
    List<JsonNode> chunks = new CopyOnWriteArrayList<>();
    try (PusherClients clients = new PusherClients()) {
      Pusher watcher = clients.connect(n(1), "bob");
      PrivateChannel channel = watcher.subscribePrivate("private-conversation-" + conv,
          PusherClients.onEvent(event -> chunks.add(Json.parse(event.getData()))),
          "message-chunk");
      await().atMost(PusherClients.WAIT).until(channel::isSubscribed);

      String id = startStream(n(0), conv);
      StringBuilder expected = new StringBuilder();
      List<String> sent = new ArrayList<>();
      for (int i = 1; i <= 30; i++) {
        String text = "c" + i + ";";
        expected.append(text);
        sent.add(text);
        JsonNode r = append(n(i % 3), id, text); // n0 holds it; n1 and n2 pass chunks on
        assertThat(r.path("seq").asLong()).as("chunk %d's number", i).isEqualTo(i);
        assertThat(r.path("length").asLong()).isEqualTo(expected.length());
      }

      // a node started after the stream began has it in the store as streaming: it passes the
      // chunks on to the holder too (it does not start a text of its own from the store)
      ClusterNodes.Node late = cluster.add("n3", Map.of());
      for (int i = 31; i <= 40; i++) {
        String text = "c" + i + ";";
        expected.append(text);
        sent.add(text);
        JsonNode r = append(i % 2 == 0 ? late : n(2), id, text);
        assertThat(r.path("seq").asLong()).as("chunk %d's number", i).isEqualTo(i);
        assertThat(r.path("length").asLong()).isEqualTo(expected.length());
      }
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(streamingText(n(2), conv)).isEqualTo(expected.toString()));

      JsonNode done = call(late, "mutation", "messages:finishStream", "{\"messageId\":\"" + id
          + "\",\"text\":\"end\"}");
      assertThat(done.path("status").asText()).isEqualTo("done");
      assertThat(done.path("content").asText()).isEqualTo(expected + "end");
      assertThat(streamingText(n(0), conv)).isNull();
      assertThat(call(n(1), "query", "messages:list", "{\"conversationId\":\"" + conv
          + "\",\"limit\":1}").path("page").get(0).path("content").asText())
          .isEqualTo(expected + "end");

      // the watcher on another node got every chunk once, numbered and in the order sent
      await().atMost(PusherClients.WAIT).until(() -> chunks.size() >= sent.size());
      List<String> texts = new ArrayList<>();
      for (int i = 0; i < chunks.size(); i++) {
        assertThat(chunks.get(i).path("seq").asLong()).isEqualTo(i + 1);
        texts.add(chunks.get(i).path("text").asText());
      }
      assertThat(texts).containsExactlyElementsOf(sent);
    }
  }

  @Test
  @Order(2)
  void whenTheHoldingNodeIsKilledTheNextChunkTakesTheStreamOverFromItsStoredText()
      throws Exception {
    String conv = conversation("cs-kill");
    ClusterNodes.Node holder = n(2);
    String id = startStream(holder, conv);
    StringBuilder seen = new StringBuilder();
    for (int i = 1; i <= 5; i++) {
      seen.append("k").append(i).append(';');
      append(n(i % 2), id, "k" + i + ";"); // through n0 and n1, made on n2
    }
    // what a watcher on another node saw is stored (stored before it is shown)
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(streamingText(n(0), conv)).isEqualTo(seen.toString()));

    holder.kill();
    long t0 = System.nanoTime();
    JsonNode r = append(n(0), id, "after;"); // nobody answers for it: n0 takes it over
    assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(
        Duration.ofMillis(ClusterStreams.TIMEOUT_MILLIS).toNanos());
    assertThat(r.path("length").asLong()).isEqualTo(seen.length() + "after;".length());
    JsonNode again = append(n(1), id, "more;"); // n0 holds it now: n1 passes it on
    assertThat(again.path("seq").asLong()).isEqualTo(r.path("seq").asLong() + 1);

    JsonNode done = call(n(1), "mutation", "messages:finishStream", "{\"messageId\":\"" + id
        + "\"}");
    assertThat(done.path("status").asText()).isEqualTo("done");
    assertThat(done.path("content").asText()).isEqualTo(seen + "after;more;");
  }

  @Test
  @Order(3)
  void twoNodesFindingTheHolderGoneAtOnceLeaveOneHolderAndOneText() throws Exception {
    String conv = conversation("cs-race");
    ClusterNodes.Node holder = n(1);
    ClusterNodes.Node a = n(0);
    ClusterNodes.Node b = n(3); // started in the first test
    String id = startStream(holder, conv);
    StringBuilder text = new StringBuilder();
    for (int i = 1; i <= 4; i++) {
      text.append("r").append(i).append(';');
      append(i % 2 == 0 ? a : b, id, "r" + i + ";"); // made on the holder
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(streamingText(a, conv)).isEqualTo(text.toString()));

    holder.kill();
    // both surviving nodes get a chunk for the orphaned stream at the same moment: both find
    // nobody answering and claim it; one takes it over, the other passes its chunk to it
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    JsonNode ra;
    JsonNode rb;
    try {
      java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.Future<JsonNode> fa = pool.submit(() -> {
        go.await();
        return append(a, id, "A;");
      });
      java.util.concurrent.Future<JsonNode> fb = pool.submit(() -> {
        go.await();
        return append(b, id, "B;");
      });
      go.countDown();
      ra = fa.get(30, java.util.concurrent.TimeUnit.SECONDS);
      rb = fb.get(30, java.util.concurrent.TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    // one holder counted both (two holders would each have made its own chunk 1)
    assertThat(List.of(ra.path("seq").asLong(), rb.path("seq").asLong()))
        .containsExactlyInAnyOrder(1L, 2L);
    assertThat(List.of(ra.path("length").asLong(), rb.path("length").asLong()))
        .containsExactlyInAnyOrder((long) text.length() + 2, (long) text.length() + 4);
    text.append(ra.path("seq").asLong() == 1 ? "A;B;" : "B;A;");
    // and the stream goes on through both, in the order sent
    for (int i = 1; i <= 6; i++) {
      text.append("s").append(i).append(';');
      JsonNode r = append(i % 2 == 0 ? a : b, id, "s" + i + ";");
      assertThat(r.path("seq").asLong()).isEqualTo(2 + i);
      assertThat(r.path("length").asLong()).isEqualTo(text.length());
    }
    JsonNode done = call(b, "mutation", "messages:finishStream", "{\"messageId\":\"" + id
        + "\"}");
    assertThat(done.path("content").asText()).isEqualTo(text.toString());
    assertThat(streamingText(a, conv)).isNull();
  }
}
