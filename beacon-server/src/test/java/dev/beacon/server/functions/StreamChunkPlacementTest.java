package dev.beacon.server.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.protocol.json.Json;
import dev.beacon.server.store.Database;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A chunk for a stream this node holds is appended in memory, so it is called where it arrives
 * (an event loop), with no hand-off to the worker pool; any other chunk (a stream held by no one
 * here: after a restart, on another node, ended, or no such message) may read the store and
 * goes to the workers.
 */
class StreamChunkPlacementTest {

  FunctionsTestBed bed;

  @BeforeEach
  void open() throws Exception {
    bed = new FunctionsTestBed(Database.Kind.SQLITE);
  }

  @AfterEach
  void close() throws Exception {
    bed.close();
  }

  boolean blocks(String path, String argsJson) {
    JsonNode args = Json.parse(argsJson);
    FunctionDefinition def = bed.functions.resolve(path, Optional.empty(), args);
    return def.blocking(bed.app, args);
  }

  @Test
  void aHeldStreamsChunkDoesNotBlockAnyOtherDoes() {
    String c = bed.call(bed.user("ann"), "conversations:create", "{\"memberIds\":[\"bob\"]}")
        .get("_id").asText();
    String id = bed.call(bed.user("ann"), "messages:startStream", "{\"conversationId\":\"" + c
        + "\"}").get("_id").asText();
    String chunk = "{\"messageId\":\"" + id + "\",\"text\":\"x\"}";
    assertThat(blocks("messages:appendStream", chunk)).isFalse();
    assertThat(blocks("messages:updateStreamingContent", "{\"messageId\":\"" + id
        + "\",\"token\":\"x\"}")).isFalse();
    // per app only (no arguments to go by), a call may block
    assertThat(bed.functions.resolve("messages:appendStream", Optional.empty())
        .blocking(bed.app)).isTrue();
    assertThat(blocks("messages:appendStream", "{\"messageId\":\"nope\",\"text\":\"x\"}")).isTrue();
    assertThat(blocks("messages:appendStream", "{\"text\":\"x\"}")).isTrue();
    assertThat(blocks("messages:appendStream", "{\"messageId\":7,\"text\":\"x\"}")).isTrue();
    assertThat(blocks("messages:appendStream", "[]")).isTrue();

    // what a held stream's chunk answers is unchanged
    assertThat(bed.call(bed.user("ann"), "messages:appendStream", chunk).get("seq").asInt())
        .isEqualTo(1);
    assertThat(bed.failure(bed.user("bob"), "messages:appendStream", chunk).code())
        .isEqualTo("FORBIDDEN");
    bed.call(bed.user("ann"), "messages:finishStream", "{\"messageId\":\"" + id + "\"}");
    assertThat(blocks("messages:appendStream", chunk)).isTrue();
    assertThat(bed.failure(bed.user("ann"), "messages:appendStream", chunk).code())
        .isEqualTo("CONFLICT");
  }
}
