package dev.beacon.bench.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientFrameDecoderTest {

  /** The bytes a server sends for {@code frame} (Netty's encoder, unmasked as a server's are). */
  private static ByteBuf serverBytes(WebSocketFrame frame) {
    EmbeddedChannel encoder = new EmbeddedChannel(new WebSocket08FrameEncoder(false));
    encoder.writeOutbound(frame);
    ByteBuf all = Unpooled.buffer();
    for (ByteBuf b; (b = encoder.readOutbound()) != null; ) {
      all.writeBytes(b);
      b.release();
    }
    encoder.finishAndReleaseAll();
    return all;
  }

  private static String text(int size, char c) {
    return String.valueOf(c).repeat(size);
  }

  private static List<WebSocketFrame> readAll(EmbeddedChannel channel) {
    List<WebSocketFrame> frames = new ArrayList<>();
    for (WebSocketFrame f; (f = channel.readInbound()) != null; ) {
      frames.add(f);
    }
    return frames;
  }

  @Test
  void framesOfEachLengthEncodingAreDecodedWhetherTheyArriveWholeTogetherOrByteByByte() {
    // 7-bit, 16-bit and 64-bit lengths, and the empty frame
    String[] texts = {"{\"event\":\"x\"}", text(125, 'a'), text(126, 'b'), text(20_000, 'c'),
        text(65_535, 'd'), text(70_000, 'e'), ""};
    ByteBuf all = Unpooled.buffer();
    for (String t : texts) {
      ByteBuf b = serverBytes(new TextWebSocketFrame(t));
      all.writeBytes(b);
      b.release();
    }
    // all at once: every frame a slice of the one buffer
    EmbeddedChannel whole = new EmbeddedChannel(new ClientFrameDecoder(1 << 20));
    whole.writeInbound(all.retainedDuplicate());
    List<WebSocketFrame> frames = readAll(whole);
    assertThat(frames).hasSize(texts.length);
    for (int i = 0; i < texts.length; i++) {
      assertThat(frames.get(i)).isInstanceOf(TextWebSocketFrame.class);
      assertThat(frames.get(i).isFinalFragment()).isTrue();
      assertThat(frames.get(i).content().toString(StandardCharsets.UTF_8)).isEqualTo(texts[i]);
      frames.get(i).release();
    }
    assertThat(whole.finish()).isFalse();
    // the frames were slices of the bytes read: released, nothing else holds them
    assertThat(all.refCnt()).isEqualTo(1);

    // one byte at a time, and in pieces of 1,000 bytes
    for (int piece : new int[] {1, 1000}) {
      EmbeddedChannel split = new EmbeddedChannel(new ClientFrameDecoder(1 << 20));
      List<WebSocketFrame> got = new ArrayList<>();
      for (int at = 0; at < all.writerIndex(); at += piece) {
        split.writeInbound(all.retainedSlice(at, Math.min(piece, all.writerIndex() - at)));
        got.addAll(readAll(split));
      }
      assertThat(got).hasSize(texts.length);
      for (int i = 0; i < texts.length; i++) {
        assertThat(got.get(i).content().toString(StandardCharsets.UTF_8)).isEqualTo(texts[i]);
        got.get(i).release();
      }
      assertThat(split.finish()).isFalse();
      assertThat(all.refCnt()).isEqualTo(1);
    }
    assertThat(all.release()).isTrue();
  }

  @Test
  void controlFramesAndFragmentsKeepTheirTypes() {
    EmbeddedChannel channel = new EmbeddedChannel(new ClientFrameDecoder(1 << 20));
    channel.writeInbound(serverBytes(new PingWebSocketFrame(Unpooled.copiedBuffer("p", StandardCharsets.US_ASCII))));
    channel.writeInbound(serverBytes(new PongWebSocketFrame()));
    channel.writeInbound(serverBytes(new TextWebSocketFrame(false, 0, "first ")));
    channel.writeInbound(serverBytes(new ContinuationWebSocketFrame(true, 0, "last")));
    channel.writeInbound(serverBytes(new CloseWebSocketFrame(1001, "going away")));
    List<WebSocketFrame> frames = readAll(channel);
    assertThat(frames).extracting(f -> f.getClass().getSimpleName()).containsExactly(
        "PingWebSocketFrame", "PongWebSocketFrame", "TextWebSocketFrame",
        "ContinuationWebSocketFrame", "CloseWebSocketFrame");
    assertThat(frames.get(0).content().toString(StandardCharsets.US_ASCII)).isEqualTo("p");
    assertThat(frames.get(2).isFinalFragment()).isFalse();
    assertThat(((CloseWebSocketFrame) frames.get(4)).statusCode()).isEqualTo(1001);
    assertThat(((CloseWebSocketFrame) frames.get(4)).reasonText()).isEqualTo("going away");
    frames.forEach(WebSocketFrame::release);
    assertThat(channel.finish()).isFalse();
  }

  @Test
  void aMaskedFrameOrOneOverTheLimitFailsTheConnection() {
    EmbeddedChannel masked = new EmbeddedChannel(new ClientFrameDecoder(1 << 20));
    ByteBuf frame = Unpooled.buffer();
    frame.writeByte(0x81).writeByte(0x80 | 2).writeInt(0x01020304).writeByte('a' ^ 1).writeByte('b' ^ 2);
    assertThatThrownBy(() -> masked.writeInbound(frame)).isInstanceOf(DecoderException.class)
        .hasMessageContaining("masked");
    masked.finishAndReleaseAll();

    EmbeddedChannel big = new EmbeddedChannel(new ClientFrameDecoder(100));
    assertThatThrownBy(() -> big.writeInbound(serverBytes(new TextWebSocketFrame(text(101, 'x')))))
        .isInstanceOf(DecoderException.class).hasMessageContaining("101 bytes");
    big.finishAndReleaseAll();
  }
}
