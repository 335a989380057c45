package dev.beacon.bench.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PayloadsTest {

  private static ByteBuf buf(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
  }

  @Test
  void payloadHasTheRequestedSizeAndStartsWithTheStamp() {
    String p = Payloads.stamped(123456789L, 64);
    assertThat(p).hasSize(64).startsWith("123456789|");
  }

  @Test
  void timestampIsReadFromTheDataStringOfABeaconFrame() {
    String frame = "{\"event\":\"bench\",\"channel\":\"private-x\",\"data\":\""
        + Payloads.stamped(987654321012L, 64) + "\"}";
    assertThat(Payloads.timestamp(buf(frame))).isEqualTo(987654321012L);
  }

  @Test
  void frameWithoutStampGivesMinusOne() {
    assertThat(Payloads.timestamp(buf("{\"event\":\"x\",\"data\":\"{}\"}"))).isEqualTo(-1);
  }

  @Test
  void memberNumberIsReadFromAMemberEvent() {
    String frame = "{\"event\":\"pusher_internal:member_added\",\"channel\":\"presence-a\","
        + "\"data\":\"{\\\"user_id\\\":\\\"u10000042\\\",\\\"user_info\\\":{}}\"}";
    ByteBuf b = buf(frame);
    assertThat(Payloads.memberNumber(b)).isEqualTo(10000042L);
    int name = Payloads.eventNameStart(b);
    assertThat(Payloads.nameEquals(b, name,
        "pusher_internal:member_added".getBytes(StandardCharsets.US_ASCII))).isTrue();
    assertThat(Payloads.nameEquals(b, name,
        "pusher_internal:member".getBytes(StandardCharsets.US_ASCII))).isFalse();
  }

  @Test
  void timestampIsReadFromAStoredMessagesContentOrAChunksText() {
    String newMessage = "{\"event\":\"new-message\",\"channel\":\"private-conversation-c\",\"data\":"
        + "\"{\\\"_id\\\":\\\"m1\\\",\\\"seq\\\":3,\\\"content\\\":\\\"" + Payloads.stamped(55L, 32)
        + "\\\",\\\"role\\\":\\\"user\\\"}\"}";
    assertThat(Payloads.timestamp(buf(newMessage))).isEqualTo(55L);
    String chunk = "{\"event\":\"message-chunk\",\"channel\":\"private-conversation-c\",\"data\":"
        + "\"{\\\"messageId\\\":\\\"m1\\\",\\\"seq\\\":9,\\\"text\\\":\\\"77;\\\"}\"}";
    assertThat(Payloads.timestamp(buf(chunk))).isEqualTo(77L);
    String opening = "{\"event\":\"new-message\",\"channel\":\"c\",\"data\":"
        + "\"{\\\"content\\\":\\\"stream:\\\"}\"}";
    assertThat(Payloads.timestamp(buf(opening))).isEqualTo(-1);
  }

  @Test
  void theNewestChunkIsReadFromTheEndOfAStreamedTextInATransition() {
    String transition = "{\"type\":\"Transition\",\"modifications\":[{\"type\":\"QueryUpdated\","
        + "\"value\":[{\"_id\":\"m1\",\"content\":\"stream:11;22;333;\",\"status\":\"streaming\"}]}]}";
    assertThat(Payloads.lastStampInString(buf(transition), Payloads.CONTENT_FIELD)).isEqualTo(333L);
    String first = transition.replace("stream:11;22;333;", "stream:");
    assertThat(Payloads.lastStampInString(buf(first), Payloads.CONTENT_FIELD)).isEqualTo(-1);
    assertThat(Payloads.lastStampInString(buf("{\"value\":[]}"), Payloads.CONTENT_FIELD)).isEqualTo(-1);
    String page = "{\"value\":{\"page\":[{\"content\":\"" + Payloads.stamped(99L, 20) + "\"},"
        + "{\"content\":\"" + Payloads.stamped(98L, 20) + "\"}]}}";
    assertThat(Payloads.stampAfter(buf(page), Payloads.CONTENT_FIELD, 0)).isEqualTo(99L);
  }

  /** A message-chunk frame as the server writes it (PusherLiveEvents.chunkFrame). */
  private static String chunkFrame(String text) {
    return "{\"event\":\"message-chunk\",\"channel\":\"private-conversation-bc-1a2b3c4d-7\",\"data\":"
        + "\"{\\\"messageId\\\":\\\"m19\\\",\\\"conversationId\\\":\\\"bc-1a2b3c4d-7\\\","
        + "\\\"seq\\\":12,\\\"text\\\":\\\"" + text + "\\\"}\"}";
  }

  @Test
  void aChunksStampIsReadFromTheFramesEndAndAgreesWithTheSearchFromItsStart() {
    ByteBuf chunk = buf(chunkFrame("1234567890123;"));
    assertThat(Payloads.chunkStampAtEnd(chunk)).isEqualTo(1234567890123L);
    assertThat(Payloads.timestamp(chunk)).isEqualTo(1234567890123L);
    int data = Payloads.indexOf(chunk, "\"data\":\"".getBytes(StandardCharsets.US_ASCII), 0);
    assertThat(Payloads.stampAfter(chunk, "\\\"text\\\":\\\"".getBytes(StandardCharsets.US_ASCII), data))
        .isEqualTo(1234567890123L);
    // a reader index past 0 (a slice of a larger read) is respected
    ByteBuf sliced = buf("xxxx" + chunkFrame("42;")).skipBytes(4);
    assertThat(Payloads.chunkStampAtEnd(sliced)).isEqualTo(42L);
  }

  @Test
  void framesNotEndingInAStampedChunkAreSearchedFromTheirStart() {
    // a text that is not <digits>; is not read from the end
    assertThat(Payloads.chunkStampAtEnd(buf(chunkFrame("hello;")))).isEqualTo(-1);
    assertThat(Payloads.chunkStampAtEnd(buf(chunkFrame("77")))).isEqualTo(-1);
    assertThat(Payloads.chunkStampAtEnd(buf(chunkFrame(";")))).isEqualTo(-1);
    assertThat(Payloads.timestamp(buf(chunkFrame("77 then more;")))).isEqualTo(77L);
    // the last field is not the text
    String other = "{\"event\":\"new-message\",\"channel\":\"c\",\"data\":"
        + "\"{\\\"content\\\":\\\"88|xx\\\",\\\"note\\\":\\\"5;\\\"}\"}";
    assertThat(Payloads.chunkStampAtEnd(buf(other))).isEqualTo(-1);
    assertThat(Payloads.timestamp(buf(other))).isEqualTo(88L);
    // too short to hold a text field
    assertThat(Payloads.chunkStampAtEnd(buf("1;\\\"}\"}"))).isEqualTo(-1);
    assertThat(Payloads.chunkStampAtEnd(buf(""))).isEqualTo(-1);
    // a bench payload in the data string
    String plain = "{\"event\":\"bench\",\"channel\":\"x\",\"data\":\"" + Payloads.stamped(31L, 40) + "\"}";
    assertThat(Payloads.timestamp(buf(plain))).isEqualTo(31L);
  }

  @Test
  void theNewestChunkOfALongStreamedTextIsFoundFromTheFramesEnd() {
    StringBuilder text = new StringBuilder("stream:");
    for (long t = 1_000_000; t < 1_003_000; t++) {
      text.append(t).append(';');
    }
    String transition = "{\"type\":\"Transition\",\"startVersion\":{\"querySet\":1,\"ts\":\"AAA=\"},"
        + "\"modifications\":[{\"type\":\"QueryUpdated\",\"queryId\":0,\"value\":[{\"_id\":\"m1\","
        + "\"conversationId\":\"bc-1-2\",\"seq\":3.0,\"userId\":\"c1-2-10\",\"role\":\"user\","
        + "\"content\":\"" + text + "\",\"status\":\"streaming\",\"isStreaming\":true,"
        + "\"createdAt\":1.7E12,\"updatedAt\":1.7E12,\"edited\":false,\"deleted\":false}],"
        + "\"logLines\":[],\"journal\":null}],\"endVersion\":{\"querySet\":1,\"ts\":\"AAB=\"}}";
    assertThat(Payloads.lastStampInString(buf(transition), Payloads.CONTENT_FIELD)).isEqualTo(1_002_999L);
    // the opening alone, and a text with no chunk after a later string: no stamp
    assertThat(Payloads.lastStampInString(buf(transition.replace(text, "stream:")),
        Payloads.CONTENT_FIELD)).isEqualTo(-1);
    // a reader index past 0
    ByteBuf sliced = buf("\"content\":\"5;\"" + transition).skipBytes(14);
    assertThat(Payloads.lastStampInString(sliced, Payloads.CONTENT_FIELD)).isEqualTo(1_002_999L);
  }
}
