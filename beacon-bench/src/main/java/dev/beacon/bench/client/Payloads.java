package dev.beacon.bench.client;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The data the load generator publishes and what it reads back: a payload starts with the
 * publisher's {@link System#nanoTime()} (CLOCK_MONOTONIC on Linux, comparable across processes on
 * one machine), then {@code |} and padding to the requested size. Only characters that need no
 * JSON escaping are used, so a payload is the same bytes inside a JSON string on the wire.
 */
public final class Payloads {

  private static final byte[] DATA_FIELD = "\"data\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EVENT_FIELD = "\"event\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] USER_ID_FIELD = "user_id\\\":\\\"".getBytes(StandardCharsets.US_ASCII);

  private Payloads() {}

  /** A payload of {@code size} bytes (at least the timestamp) stamped with {@code nanos}. */
  public static String stamped(long nanos, int size) {
    String stamp = Long.toString(nanos);
    StringBuilder sb = new StringBuilder(Math.max(size, stamp.length() + 1));
    sb.append(stamp).append('|');
    while (sb.length() < size) {
      sb.append('x');
    }
    return sb.toString();
  }

  /**
   * The timestamp at the start of the {@code data} string of a frame, or -1 if there is none.
   * When the data is a JSON object (a message a built-in function published), the timestamp at
   * the start of its {@code text} field (a {@code message-chunk}) or else its {@code content}
   * field (a {@code new-message}).
   */
  public static long timestamp(ByteBuf frame) {
    long chunk = chunkStampAtEnd(frame);
    if (chunk >= 0) {
      return chunk;
    }
    int at = indexOf(frame, DATA_FIELD, frame.readerIndex());
    if (at < 0) {
      return -1;
    }
    int start = at + DATA_FIELD.length;
    if (start < frame.writerIndex() && frame.getByte(start) == '{') {
      long text = stampAfter(frame, ESCAPED_TEXT_FIELD, start);
      return text >= 0 ? text : stampAfter(frame, ESCAPED_CONTENT_FIELD, start);
    }
    return parseLong(frame, start);
  }

  /** The timestamp right after the first {@code field} at or after {@code from}, or -1. */
  public static long stampAfter(ByteBuf frame, byte[] field, int from) {
    int at = indexOf(frame, field, from);
    return at < 0 ? -1 : parseLong(frame, at + field.length);
  }

  /**
   * The stamp of a {@code message-chunk} frame read from its end, where the server puts the
   * chunk's text (the last field of the data): a frame whose data ends with a {@code text} field
   * of {@code <digits>;} (the frame's last bytes {@code ;\"}, a closing brace, a quote and a closing
   * brace) gives the digits, so the ~200 bytes before them are not searched; any other frame gives -1
   * (and {@link #timestamp} searches it from the start, as before).
   */
  static long chunkStampAtEnd(ByteBuf frame) {
    int start = frame.readerIndex();
    int end = frame.writerIndex();
    int i = end - CHUNK_END.length;
    if (i - 1 - ESCAPED_TEXT_FIELD.length < start || !bytesAt(frame, i, CHUNK_END)) {
      return -1;
    }
    int last = i - 1;
    int first = last;
    while (first >= start && isDigit(frame.getByte(first))) {
      first--;
    }
    if (first == last || first < start + ESCAPED_TEXT_FIELD.length - 1
        || !bytesAt(frame, first - ESCAPED_TEXT_FIELD.length + 1, ESCAPED_TEXT_FIELD)) {
      return -1;
    }
    return parseLong(frame, first + 1);
  }

  /**
   * The last {@code <digits>;} before the end of the first JSON string value {@code field}
   * (unescaped JSON: a Convex sync Transition): the newest chunk of a streamed text made of
   * {@code <stamp>;} chunks. -1 if the string does not end so.
   *
   * <p>The string's end is looked for from the frame's end, as the last {@code ;"} after the
   * field's name, so the text (tens of KB when a long message is streamed, and every update of
   * {@code messages:getStreaming} carries all of it) is not read: that is the string's end as long
   * as no string after it in the frame ends in {@code ;}, which holds for a stored message (the
   * fields after {@code content} are its status, flags and times) and the Transition around it.
   */
  public static long lastStampInString(ByteBuf frame, byte[] field) {
    int at = indexOf(frame, field, frame.readerIndex());
    if (at < 0) {
      return -1;
    }
    int start = at + field.length;
    int close = frame.writerIndex() - 1;
    while (close > start && !(frame.getByte(close) == '"' && frame.getByte(close - 1) == ';')) {
      close--;
    }
    if (close <= start) {
      return -1;
    }
    int i = close - 2;
    while (i >= start && isDigit(frame.getByte(i))) {
      i--;
    }
    return i == close - 2 ? -1 : parseLong(frame, i + 1);
  }

  private static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }

  private static boolean bytesAt(ByteBuf buf, int index, byte[] bytes) {
    for (int j = 0; j < bytes.length; j++) {
      if (buf.getByte(index + j) != bytes[j]) {
        return false;
      }
    }
    return true;
  }

  /** {@code "content":"} in plain JSON (a Convex sync Transition's value). */
  public static final byte[] CONTENT_FIELD = "\"content\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ESCAPED_CONTENT_FIELD = "\\\"content\\\":\\\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ESCAPED_TEXT_FIELD = "\\\"text\\\":\\\"".getBytes(StandardCharsets.US_ASCII);
  /** How a {@code message-chunk} frame ends from its text's last character: {@code ;\"} + '}"}'. */
  private static final byte[] CHUNK_END = ";\\\"}\"}".getBytes(StandardCharsets.US_ASCII);

  /**
   * The event name of a Pusher frame, compared without decoding: returns the index just after
   * the opening quote of the name, or -1.
   */
  public static int eventNameStart(ByteBuf frame) {
    int at = indexOf(frame, EVENT_FIELD, frame.readerIndex());
    return at < 0 ? -1 : at + EVENT_FIELD.length;
  }

  /** Whether the bytes at {@code index} are {@code name} followed by a closing quote. */
  public static boolean nameEquals(ByteBuf frame, int index, byte[] name) {
    if (index < 0 || index + name.length >= frame.writerIndex()) {
      return false;
    }
    for (int i = 0; i < name.length; i++) {
      if (frame.getByte(index + i) != name[i]) {
        return false;
      }
    }
    return frame.getByte(index + name.length) == '"';
  }

  /**
   * The number in a bench user id ({@code u123}) carried by a member event's data, which is
   * JSON inside a JSON string: {@code "data":"{\"user_id\":\"u123\"...}"}. -1 if there is none.
   */
  public static long memberNumber(ByteBuf frame) {
    int at = indexOf(frame, USER_ID_FIELD, frame.readerIndex());
    if (at < 0) {
      return -1;
    }
    int start = at + USER_ID_FIELD.length;
    if (start >= frame.writerIndex() || frame.getByte(start) != 'u') {
      return -1;
    }
    return parseLong(frame, start + 1);
  }

  static long parseLong(ByteBuf buf, int index) {
    int end = buf.writerIndex();
    boolean negative = false;
    if (index < end && buf.getByte(index) == '-') {
      negative = true;
      index++;
    }
    long value = 0;
    int digits = 0;
    while (index < end) {
      byte b = buf.getByte(index);
      if (b < '0' || b > '9') {
        break;
      }
      value = value * 10 + (b - '0');
      digits++;
      index++;
    }
    if (digits == 0) {
      return -1;
    }
    return negative ? -value : value;
  }

  static int indexOf(ByteBuf buf, byte[] needle, int from) {
    int end = buf.writerIndex() - needle.length;
    byte first = needle[0];
    int i = from;
    while (i <= end) {
      i = buf.indexOf(i, end + 1, first);
      if (i < 0) {
        return -1;
      }
      boolean match = true;
      for (int j = 1; j < needle.length; j++) {
        if (buf.getByte(i + j) != needle[j]) {
          match = false;
          break;
        }
      }
      if (match) {
        return i;
      }
      i++;
    }
    return -1;
  }
}
