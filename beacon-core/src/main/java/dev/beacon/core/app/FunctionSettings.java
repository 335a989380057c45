package dev.beacon.core.app;

/**
 * An app's settings for the built-in functions.
 *
 * @param presenceTtlSeconds how long a heartbeat keeps a user (or a room member) online
 * @param typingTtlSeconds how long {@code startTyping} lasts unless refreshed
 * @param activityTtlHours how long friend activity is kept
 * @param notificationRetentionDays how long notifications are kept
 * @param openRooms whether anyone may enter any room; if not, only members the backend registered
 * @param heartbeatsPerSecond heartbeats (presence and rooms) per user per second
 * @param typingPerSecond typing calls per user per second
 * @param anonymousPresence whether the {@code @convex-dev/presence} shape takes the {@code userId}
 *     a caller gives without a token proving it (public rooms, demos): anyone can then appear as
 *     anyone in any room it may enter
 */
public record FunctionSettings(
    int presenceTtlSeconds,
    int typingTtlSeconds,
    int activityTtlHours,
    int notificationRetentionDays,
    boolean openRooms,
    int heartbeatsPerSecond,
    int typingPerSecond,
    boolean anonymousPresence) {

  public static final FunctionSettings DEFAULT = new FunctionSettings(60, 5, 24, 90, true, 5, 10);

  /** Settings without anonymous presence. */
  public FunctionSettings(int presenceTtlSeconds, int typingTtlSeconds, int activityTtlHours,
      int notificationRetentionDays, boolean openRooms, int heartbeatsPerSecond,
      int typingPerSecond) {
    this(presenceTtlSeconds, typingTtlSeconds, activityTtlHours, notificationRetentionDays,
        openRooms, heartbeatsPerSecond, typingPerSecond, false);
  }

  public FunctionSettings {
    positive("presence_ttl_seconds", presenceTtlSeconds);
    positive("typing_ttl_seconds", typingTtlSeconds);
    positive("activity_ttl_hours", activityTtlHours);
    positive("notification_retention_days", notificationRetentionDays);
    positive("heartbeats_per_second", heartbeatsPerSecond);
    positive("typing_per_second", typingPerSecond);
  }

  private static void positive(String key, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException("functions." + key + " must be > 0, got " + value);
    }
  }
}
