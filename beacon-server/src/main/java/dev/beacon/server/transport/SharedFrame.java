package dev.beacon.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The WebSocket frame of the publication being fanned out on one event loop, encoded once.
 *
 * <p>A lane hands the same payload array to every subscriber it carries; this turns the array
 * into a complete unmasked text frame ({@code FIN}, opcode 1, RFC 6455 section 5.2) in one pooled
 * direct buffer the first time, and gives each connection a retained duplicate of it after that.
 * The socket then writes the shared bytes with no per-subscriber frame object, encoder pass, heap
 * copy or heap-to-direct copy. The bytes are exactly what Netty's {@code WebSocket08FrameEncoder}
 * writes for a server frame; extensions that would transform frames (compression) are disabled on
 * Beacon's WebSocket server.
 *
 * <p>Only its event loop's thread uses it. It keeps one frame: the previous one is released when
 * another payload arrives (connections still writing it hold their own references).
 */
final class SharedFrame {

  private byte[] payload;
  private ByteBuf frame;

  /** A frame of {@code utf8Json} for one connection to write (and release). */
  ByteBuf frameFor(byte[] utf8Json, ByteBufAllocator alloc) {
    if (utf8Json != payload) {
      if (frame != null) {
        frame.release();
      }
      frame = encode(utf8Json, alloc);
      payload = utf8Json;
    }
    return frame.retainedDuplicate();
  }

  /** Encodes an unmasked, final text frame. */
  static ByteBuf encode(byte[] payload, ByteBufAllocator alloc) {
    int length = payload.length;
    int header = length <= 125 ? 2 : length <= 0xFFFF ? 4 : 10;
    ByteBuf out = alloc.directBuffer(header + length);
    out.writeByte(0x81); // FIN + text opcode
    if (length <= 125) {
      out.writeByte(length);
    } else if (length <= 0xFFFF) {
      out.writeByte(126);
      out.writeShort(length);
    } else {
      out.writeByte(127);
      out.writeLong(length);
    }
    out.writeBytes(payload);
    return out;
  }
}
