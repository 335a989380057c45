package dev.beacon.bench.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker13;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.util.List;

/**
 * The load generator's decoder of the frames a server sends (RFC 6455, unmasked): each frame's
 * payload is a slice of the bytes read, not a copy. Netty's {@code WebSocket08FrameDecoder} copies
 * every payload into a buffer of its own, which for the live-query updates of the {@code stream}
 * scenario (the whole streamed text, ~20 KB, ten times a second per watcher) was a copy and an
 * allocation per frame on the cores the server needs. Frames are handed on as Netty's frame types
 * (fragments as {@link ContinuationWebSocketFrame}, as Netty's decoder does); a masked frame, an
 * unknown opcode or a payload over the limit fails the connection.
 */
final class ClientFrameDecoder extends ByteToMessageDecoder implements WebSocketFrameDecoder {

  private final int maxPayload;
  private boolean failed;

  ClientFrameDecoder(int maxPayload) {
    this.maxPayload = maxPayload;
  }

  /**
   * A handshaker of RFC 6455 (what {@link WebSocketClientProtocolConfig} would make) whose
   * connection decodes with this decoder.
   */
  static WebSocketClientHandshaker handshaker(WebSocketClientProtocolConfig config) {
    if (config.version() != WebSocketVersion.V13) {
      throw new IllegalArgumentException("only WebSocket version 13: " + config.version());
    }
    HttpHeaders headers = config.customHeaders();
    return new WebSocketClientHandshaker13(config.webSocketUri(), WebSocketVersion.V13,
        config.subprotocol(), config.allowExtensions(), headers, config.maxFramePayloadLength(),
        config.performMasking(), config.allowMaskMismatch(), config.forceCloseTimeoutMillis()) {
      @Override
      protected WebSocketFrameDecoder newWebsocketDecoder() {
        return new ClientFrameDecoder(maxFramePayloadLength());
      }
    };
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    int readable = in.readableBytes();
    if (readable < 2) {
      return;
    }
    int r = in.readerIndex();
    int b0 = in.getUnsignedByte(r);
    int b1 = in.getUnsignedByte(r + 1);
    if ((b1 & 0x80) != 0) {
      fail(in, "a masked frame from the server");
    }
    long length = b1 & 0x7F;
    int header = 2;
    if (length == 126) {
      if (readable < 4) {
        return;
      }
      length = in.getUnsignedShort(r + 2);
      header = 4;
    } else if (length == 127) {
      if (readable < 10) {
        return;
      }
      length = in.getLong(r + 2);
      header = 10;
    }
    if (length < 0 || length > maxPayload) {
      fail(in, "a frame of " + length + " bytes (the limit is " + maxPayload + ")");
    }
    if (readable - header < length) {
      return;
    }
    boolean fin = (b0 & 0x80) != 0;
    int rsv = (b0 & 0x70) >> 4;
    int opcode = b0 & 0x0F;
    in.skipBytes(header);
    ByteBuf payload = in.readRetainedSlice((int) length);
    out.add(frame(in, opcode, fin, rsv, payload));
  }

  private WebSocketFrame frame(ByteBuf in, int opcode, boolean fin, int rsv, ByteBuf payload) {
    switch (opcode) {
      case 0x1:
        return new TextWebSocketFrame(fin, rsv, payload);
      case 0x2:
        return new BinaryWebSocketFrame(fin, rsv, payload);
      case 0x0:
        return new ContinuationWebSocketFrame(fin, rsv, payload);
      case 0x8:
        return new CloseWebSocketFrame(fin, rsv, payload);
      case 0x9:
        return new PingWebSocketFrame(fin, rsv, payload);
      case 0xA:
        return new PongWebSocketFrame(fin, rsv, payload);
      default:
        payload.release();
        return fail(in, "opcode " + opcode);
    }
  }

  private WebSocketFrame fail(ByteBuf in, String what) {
    failed = true;
    in.skipBytes(in.readableBytes());
    throw new CorruptedWebSocketFrameException(
        io.netty.handler.codec.http.websocketx.WebSocketCloseStatus.PROTOCOL_ERROR,
        "unexpected " + what);
  }
}
