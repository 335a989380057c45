package dev.beacon.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SharedFrameTest {

  @Test
  void framesAreByteForByteWhatNettysServerEncoderWrites() {
    for (int length : new int[] {0, 1, 125, 126, 127, 1000, 65535, 65536, 200_000}) {
      byte[] payload = new byte[length];
      Arrays.fill(payload, (byte) 'x');
      ByteBuf ours = SharedFrame.encode(payload, ByteBufAllocator.DEFAULT);
      assertThat(ByteBufUtil.getBytes(ours)).as("length " + length).isEqualTo(netty(payload));
      ours.release();
    }
  }

  @Test
  void samePayloadIsFramedOnceAndSharedUntilAnotherArrives() {
    SharedFrame shared = new SharedFrame();
    byte[] first = "{\"event\":\"a\"}".getBytes();
    ByteBuf a1 = shared.frameFor(first, ByteBufAllocator.DEFAULT);
    ByteBuf a2 = shared.frameFor(first, ByteBufAllocator.DEFAULT);
    assertThat(a1.unwrap()).isSameAs(a2.unwrap());
    a1.readByte(); // one connection's write does not move another's
    assertThat(a2.readerIndex()).isZero();
    ByteBuf b = shared.frameFor("{\"event\":\"b\"}".getBytes(), ByteBufAllocator.DEFAULT);
    assertThat(b.unwrap()).isNotSameAs(a2.unwrap());
    assertThat(a2.refCnt()).isPositive(); // still held by the connections writing it
    a1.release();
    a2.release();
    assertThat(a2.refCnt()).isZero();
    b.release();
  }

  private static byte[] netty(byte[] payload) {
    EmbeddedChannel ch = new EmbeddedChannel(new WebSocket13FrameEncoder(false));
    ch.writeOutbound(new TextWebSocketFrame(Unpooled.wrappedBuffer(payload)));
    CompositeByteBuf all = Unpooled.compositeBuffer();
    ByteBuf part;
    while ((part = ch.readOutbound()) != null) {
      all.addComponent(true, part);
    }
    byte[] out = ByteBufUtil.getBytes(all);
    all.release();
    ch.finishAndReleaseAll();
    return out;
  }
}
