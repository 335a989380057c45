package dev.beacon.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * Server WebSocket frames (RFC 6455 section 5.2: final, unmasked), encoded straight into
 * buffers, so a connection's pipeline needs no frame encoder.
 */
final class Frames {

  private static final ByteBuf PING = Unpooled.unreleasableBuffer(
      Unpooled.directBuffer(2).writeByte(0x89).writeByte(0)).asReadOnly();

  private Frames() {}

  /** An empty ping frame (a shared buffer; each call returns its own view). */
  static ByteBuf ping() {
    return PING.duplicate();
  }

  /** A pong frame echoing {@code payload} (at most 125 bytes, as a ping's). */
  static ByteBuf pong(ByteBufAllocator alloc, ByteBuf payload) {
    int n = payload.readableBytes();
    ByteBuf out = alloc.buffer(2 + n);
    out.writeByte(0x8A).writeByte(n);
    out.writeBytes(payload, payload.readerIndex(), n);
    return out;
  }

  /** A text frame of {@code utf8}. */
  static ByteBuf text(ByteBufAllocator alloc, byte[] utf8) {
    return SharedFrame.encode(utf8, alloc);
  }

  /** A close frame with a code and a reason (cut to fit the 123 bytes a reason may have). */
  static ByteBuf close(ByteBufAllocator alloc, int code, String reason) {
    byte[] text = PusherWebSocket.truncateReason(reason == null ? "" : reason)
        .getBytes(StandardCharsets.UTF_8);
    ByteBuf out = alloc.buffer(4 + text.length);
    out.writeByte(0x88).writeByte(2 + text.length);
    out.writeShort(code);
    out.writeBytes(text);
    return out;
  }
}
