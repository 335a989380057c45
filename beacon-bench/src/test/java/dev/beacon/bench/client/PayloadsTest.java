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
}
