package dev.beacon.core.app;

/**
 * An app's limits for stored conversations and messages (issue 15).
 *
 * @param maxMessageBytes the largest message body, in UTF-8 bytes (app key {@code
 *     max_message_bytes}, default 16 KB)
 * @param messagesPerSecond messages (sends, adds, stream starts) per user per second (app key
 *     {@code messages_per_second}, default 10)
 * @param streamIdleSeconds a stream with no chunk for this long ends as {@code timeout} (app key
 *     {@code stream_idle_timeout_seconds}, default 300)
 * @param maxStreamBytes the most text one streamed message may hold, in UTF-8 bytes (app key
 *     {@code max_stream_bytes}, default 1 MB)
 */
public record MessageSettings(int maxMessageBytes, int messagesPerSecond, int streamIdleSeconds,
    int maxStreamBytes) {

  public static final MessageSettings DEFAULT = new MessageSettings(16 * 1024, 10, 300, 1024 * 1024);

  public MessageSettings {
    positive("max_message_bytes", maxMessageBytes);
    positive("messages_per_second", messagesPerSecond);
    positive("stream_idle_timeout_seconds", streamIdleSeconds);
    positive("max_stream_bytes", maxStreamBytes);
  }

  private static void positive(String key, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(key + " must be > 0, got " + value);
    }
  }
}
