package dev.beacon.core.pusher;

/**
 * Server-wide settings of the Pusher protocol.
 *
 * @param activityTimeoutSeconds silence after which the server pings a client, and the value
 *     sent in {@code connection_established}
 * @param pongTimeoutSeconds how long a pinged client has to answer before it is closed with 4201
 * @param cacheTtlSeconds how long a cache channel keeps its last event
 * @param maxCachedChannels cache channels remembered per app
 */
public record PusherSettings(
    int activityTimeoutSeconds, int pongTimeoutSeconds, int cacheTtlSeconds, int maxCachedChannels) {

  public static final PusherSettings DEFAULT = new PusherSettings(120, 30, 1800, 10_000);

  public PusherSettings {
    if (activityTimeoutSeconds <= 0) {
      throw new IllegalArgumentException("activity_timeout must be > 0 seconds, got " + activityTimeoutSeconds);
    }
    if (pongTimeoutSeconds <= 0) {
      throw new IllegalArgumentException("pong_timeout must be > 0 seconds, got " + pongTimeoutSeconds);
    }
    if (cacheTtlSeconds <= 0) {
      throw new IllegalArgumentException("cache_ttl must be > 0 seconds, got " + cacheTtlSeconds);
    }
    if (maxCachedChannels <= 0) {
      throw new IllegalArgumentException("max_cached_channels must be > 0, got " + maxCachedChannels);
    }
  }
}
