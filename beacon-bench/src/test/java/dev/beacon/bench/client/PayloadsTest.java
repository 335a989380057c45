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
}
