package dev.beacon.core.pusher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.beacon.protocol.json.Json;
import dev.beacon.protocol.pusher.PusherCodec;
import dev.beacon.protocol.pusher.ServerMessage;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A streamed chunk's frame, written without a JSON tree, is the frame the tree gave. */
class ChunkFrameTest {

  static byte[] viaTree(String channel, String messageId, String conversationId, long seq,
      String text) {
    String data = Json.write(JsonNodeFactory.instance.objectNode().put("messageId", messageId)
        .put("conversationId", conversationId).put("seq", seq).put("text", text));
    return PusherCodec.encode(new ServerMessage.ChannelEvent(channel, "message-chunk",
        Json.quote(data), Optional.empty()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "hello ", "1796295151901;", "a \"quoted\" word", "back\\slash \\\" both",
      "line\nbreak\r\ttab", "\u0000\u0001\u001f\u007f", "héllo wörld — ünïcode ✓", "emoji 😀 pair",
      "</script><b>&amp;</b>", "{\"json\":[1,2,{\"x\":\"y\"}]}", "\u2028\u2029", "\\u0041"})
  void sameBytesAsTheTree(String text) {
    String channel = "private-conversation-c1";
    assertThat(new String(PusherLiveEvents.chunkFrame(channel, "m-1", "c1", 42, text),
        StandardCharsets.UTF_8))
        .isEqualTo(new String(viaTree(channel, "m-1", "c1", 42, text), StandardCharsets.UTF_8));
    assertThat(PusherLiveEvents.chunkFrame(channel, "m-1", "c1", 42, text))
        .isEqualTo(viaTree(channel, "m-1", "c1", 42, text));
  }

  @Test
  void idsWithEveryAllowedCharacterAndLargeSequenceNumbers() {
    String id = "A-z_0=9@,.;x";
    String channel = "private-conversation-" + id;
    assertThat(PusherLiveEvents.chunkFrame(channel, "msg_" + id, id, Long.MAX_VALUE, "t"))
        .isEqualTo(viaTree(channel, "msg_" + id, id, Long.MAX_VALUE, "t"));
  }

  @Test
  void aLongText() {
    String text = "x\"y\\z\n".repeat(20_000);
    assertThat(PusherLiveEvents.chunkFrame("private-conversation-c", "m", "c", 1, text))
        .isEqualTo(viaTree("private-conversation-c", "m", "c", 1, text));
  }
}
