package dev.beacon.server.cluster;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * A message on the cluster's pub/sub channel: five header lines then a body, so that the Lua
 * scripts can write member events in the same shape ({@code m\nnode\napp\nchannel\nversion\n}
 * frame).
 *
 * <pre>
 *   e  origin app channel excludeSocketId   body: the encoded frame (a publication)
 *   m  origin app channel version           body: the encoded frame (a presence member event)
 *   t  origin app userId  -                 (terminate a user's connections)
 *   s  origin app topic   -                 body: a feature's payload (a signal)
 *   p  origin -   -       -                 body: a nonce (the node's probe of its own pub/sub)
 * </pre>
 *
 * Node ids, app ids, channel names and socket ids hold no newline (each is checked or has a
 * charset without one); user ids may not either, for a terminate.
 */
record BusMessage(char kind, String origin, String app, String a, String b, byte[] body) {

  Buffer encode() {
    Buffer buf = Buffer.buffer(64 + body.length);
    buf.appendString(String.valueOf(kind)).appendByte((byte) '\n')
        .appendString(origin, "UTF-8").appendByte((byte) '\n')
        .appendString(app, "UTF-8").appendByte((byte) '\n')
        .appendString(a, "UTF-8").appendByte((byte) '\n')
        .appendString(b, "UTF-8").appendByte((byte) '\n')
        .appendBytes(body);
    return buf;
  }

  /** @throws IllegalArgumentException for a message without the five header lines */
  static BusMessage decode(byte[] raw) {
    String[] fields = new String[5];
    int start = 0;
    for (int f = 0; f < 5; f++) {
      int nl = indexOf(raw, (byte) '\n', start);
      if (nl < 0) {
        throw new IllegalArgumentException("bus message without its header (" + raw.length + " bytes)");
      }
      fields[f] = new String(raw, start, nl - start, StandardCharsets.UTF_8);
      start = nl + 1;
    }
    if (fields[0].length() != 1) {
      throw new IllegalArgumentException("bus message of unknown kind '" + fields[0] + "'");
    }
    byte[] body = java.util.Arrays.copyOfRange(raw, start, raw.length);
    return new BusMessage(fields[0].charAt(0), fields[1], fields[2], fields[3], fields[4], body);
  }

  private static int indexOf(byte[] raw, byte b, int from) {
    for (int i = from; i < raw.length; i++) {
      if (raw[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
