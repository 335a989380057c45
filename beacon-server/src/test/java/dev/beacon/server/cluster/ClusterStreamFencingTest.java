package dev.beacon.server.cluster;

import static dev.beacon.server.cluster.ClusterStreamsTest.append;
import static dev.beacon.server.cluster.ClusterStreamsTest.streamingText;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A stream holder that was only paused, not dead (issue 15, cluster; nodes as separate
 * processes on Redis and PostgreSQL): its process is stopped ({@code kill -STOP}) for longer than
 * the 2 s a relayed chunk waits, so another node takes the stream over with a newer fencing
 * epoch; when the paused node runs again ({@code kill -CONT}) it drops its copy and passes
 * chunks on to the new holder like any other node, so the text stays one sequence: every chunk
 * acknowledged after the takeover is in it once, in order, whichever node it was sent through,
 * and the old holder's copy is never stored. Twice: paused just past the 2 s (the paused node
 * hears the new holder's word when it runs again), and paused 5 s longer, past the 3 s after
 * which a node that heard nothing on its Redis subscription resubscribes (what was published
 * meanwhile, the new holder's word among it, is not heard again: the node checks the stored
 * epochs of the streams it holds instead).
 */
class ClusterStreamFencingTest {

  @RegisterExtension
  static final ClusterNodes cluster = ClusterNodes.perClass(2);

  private static JsonNode call(ClusterNodes.Node node, String kind, String path, String args)
      throws Exception {
    return ClusterNodes.function(node, kind, path, args);
  }

  private static void signal(ClusterNodes.Node node, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(node.process.pid()))
        .inheritIO().start();
    assertThat(kill.waitFor()).isZero();
  }

  /** The fencing epoch stored with the message (the epoch of its latest holder). */
  private static long storedEpoch(String messageId) throws Exception {
    try (var c = DriverManager.getConnection(ClusterNodes.PG_URL, "postgres", "");
        var s = c.prepareStatement("SELECT stream_epoch FROM " + cluster.schema
            + ".messages WHERE id = ?")) {
      s.setString(1, messageId);
      try (var rs = s.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return rs.getLong(1);
      }
    }
  }

  @ParameterizedTest(name = "paused {0} ms past the takeover")
  @ValueSource(longs = {0, 5000})
  void aPausedHolderTakenOverDropsItsCopyAndTheTextDoesNotFork(long pausedLonger)
      throws Exception {
    ClusterNodes.Node other = cluster.node(0);
    ClusterNodes.Node holder = cluster.node(1);
    String conv = "fence-pause-" + pausedLonger;
    call(other, "mutation", "conversations:create", "{\"conversationId\":\"" + conv
        + "\",\"memberIds\":[\"alice\",\"bob\"]}");
    String id = call(holder, "mutation", "messages:startStream", "{\"conversationId\":\"" + conv
        + "\"}").get("_id").asText();
    StringBuilder text = new StringBuilder();
    for (int i = 1; i <= 4; i++) {
      text.append("p").append(i).append(';');
      JsonNode r = append(i % 2 == 0 ? holder : other, id, "p" + i + ";"); // made on the holder
      assertThat(r.path("seq").asLong()).isEqualTo(i);
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(streamingText(other, conv)).isEqualTo(text.toString()));
    assertThat(storedEpoch(id)).isZero(); // held by the node that started it

    String dropped = "stream of message '" + id + "' dropped here";
    signal(holder, "STOP");
    try {
      // the holder does not answer within 2 s: the other node takes the stream over from its
      // stored text (chunk numbers start again at 1)
      long t0 = System.nanoTime();
      JsonNode r = append(other, id, "t1;");
      assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(
          Duration.ofMillis(ClusterStreams.TIMEOUT_MILLIS).toNanos());
      text.append("t1;");
      assertThat(r.path("seq").asLong()).isEqualTo(1);
      assertThat(r.path("length").asLong()).isEqualTo(text.length());
      text.append("t2;");
      assertThat(append(other, id, "t2;").path("seq").asLong()).isEqualTo(2);
      assertThat(storedEpoch(id)).isPositive();
      Thread.sleep(pausedLonger);
    } finally {
      signal(holder, "CONT");
    }
    // running again, the old holder hears of the newer holder and drops its copy
    await().atMost(Duration.ofSeconds(10)).until(() ->
        holder.log.stream().anyMatch(l -> l.contains(dropped)));
    long epoch = storedEpoch(id);

    // chunks through both nodes: all made by the new holder (its count goes on), one text
    int seq = 2;
    for (int i = 1; i <= 8; i++) {
      String chunk = "u" + i + ";";
      text.append(chunk);
      JsonNode r = append(i % 2 == 0 ? other : holder, id, chunk);
      assertThat(r.path("seq").asLong()).as("chunk u%d's number", i).isEqualTo(++seq);
      assertThat(r.path("length").asLong()).as("length after u%d", i).isEqualTo(text.length());
    }
    // a watcher on either node sees the one text (the old holder's copy was never stored)
    for (ClusterNodes.Node watcher : List.of(holder, other)) {
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(streamingText(watcher, conv)).isEqualTo(text.toString()));
    }
    assertThat(storedEpoch(id)).isEqualTo(epoch);

    // ended through the old holder: passed on to the new one, which stores the whole text
    JsonNode done = call(holder, "mutation", "messages:finishStream", "{\"messageId\":\"" + id
        + "\",\"text\":\"end\"}");
    assertThat(done.path("status").asText()).isEqualTo("done");
    assertThat(done.path("content").asText()).isEqualTo(text + "end");
    assertThat(call(holder, "query", "messages:list", "{\"conversationId\":\"" + conv
        + "\",\"limit\":1}").path("page").get(0).path("content").asText())
        .isEqualTo(text + "end");
    // each chunk once, in order: the text is the chunks sent, nothing forked or repeated
    assertThat(done.path("content").asText())
        .isEqualTo("p1;p2;p3;p4;t1;t2;u1;u2;u3;u4;u5;u6;u7;u8;end");
    assertThat(holder.log.stream().filter(l -> l.contains(dropped)).count()).isEqualTo(1);
  }
}
