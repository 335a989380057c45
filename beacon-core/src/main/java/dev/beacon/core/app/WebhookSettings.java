package dev.beacon.core.app;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An app's webhooks (Pusher's, plus Beacon's {@code user_online} / {@code user_offline}): the
 * endpoints with the event types and channel names each receives, whether events are batched,
 * and how long {@code channel_vacated} and {@code member_removed} wait for the channel or member
 * to come back.
 *
 * @param batching Pusher's per-app switch: up to 20 events or 250 ms per request and endpoint
 * @param graceMillis how long a vacate or a member removal waits before it is sent; dropped if
 *     the channel or member is back by then
 * @param timeoutMillis how long a request may take before it counts as failed (and is retried)
 * @param retryForMillis how long after its first attempt a failing request is still retried
 * @param firstRetryMillis the first retry's delay, doubled for each one after (up to a minute)
 * @param queueLimit events of the app waiting to be delivered (first attempts and retries,
 *     counted per endpoint) before new ones are dropped and counted
 */
public record WebhookSettings(List<Endpoint> endpoints, boolean batching, long graceMillis,
    long timeoutMillis, long retryForMillis, long firstRetryMillis, int queueLimit) {

  /** Every event type, as Pusher (and Beacon) name them. */
  public static final Set<String> EVENT_TYPES = Set.of("channel_occupied", "channel_vacated",
      "member_added", "member_removed", "client_event", "subscription_count", "cache_miss",
      "user_online", "user_offline");

  /** Headers the HTTP connection itself sets. */
  private static final Set<String> RESERVED_HEADERS = Set.of("connection", "content-length",
      "expect", "host", "upgrade", "transfer-encoding");

  /** No webhooks. */
  public static final WebhookSettings NONE = of(List.of(), false);

  /** Pusher's figures: 3 s grace, 4 s timeout, retries for 5 minutes; 10000 queued per app. */
  public static WebhookSettings of(List<Endpoint> endpoints, boolean batching) {
    return new WebhookSettings(endpoints, batching, 3000, 4000, 300_000, 1000, 10_000);
  }

  public WebhookSettings {
    endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
    if (graceMillis < 0) {
      throw new IllegalArgumentException("webhook_grace_ms must be >= 0, got " + graceMillis);
    }
    if (timeoutMillis < 1) {
      throw new IllegalArgumentException("webhook_timeout_ms must be > 0, got " + timeoutMillis);
    }
    if (retryForMillis < 0) {
      throw new IllegalArgumentException("webhook_retry_seconds must be >= 0, got " + retryForMillis);
    }
    if (firstRetryMillis < 1) {
      throw new IllegalArgumentException("webhook_first_retry_ms must be > 0, got " + firstRetryMillis);
    }
    if (queueLimit < 1) {
      throw new IllegalArgumentException("webhook_queue must be > 0, got " + queueLimit);
    }
  }

  /** Whether any endpoint is configured. */
  public boolean enabled() {
    return !endpoints.isEmpty();
  }

  /** Whether some endpoint takes events of {@code type} (on some channel). */
  public boolean wants(String type) {
    for (Endpoint e : endpoints) {
      if (e.eventTypes().contains(type)) {
        return true;
      }
    }
    return false;
  }

  /**
   * One webhook endpoint: a URL, the event types it takes, an optional channel-name filter (an
   * event without a channel, such as {@code user_online}, passes it) and extra request headers
   * (which never replace {@code Content-Type}, {@code X-Pusher-Key} or {@code X-Pusher-Signature}).
   */
  public record Endpoint(String url, Set<String> eventTypes, Optional<String> channelNameStartsWith,
      Optional<String> channelNameEndsWith, Map<String, String> headers) {

    public Endpoint {
      if (url == null || !(url.startsWith("http://") || url.startsWith("https://"))) {
        throw new IllegalArgumentException("webhook url must be an http:// or https:// URL, got '"
            + url + "'");
      }
      try {
        java.net.URI uri = new java.net.URI(url);
        if (uri.getHost() == null) {
          throw new IllegalArgumentException("webhook url has no host: '" + url + "'");
        }
      } catch (java.net.URISyntaxException e) {
        throw new IllegalArgumentException("webhook url is not a valid URL: '" + url + "'");
      }
      if (eventTypes == null || eventTypes.isEmpty()) {
        throw new IllegalArgumentException("webhook " + url + " needs event_types (one or more of "
            + String.join(", ", new java.util.TreeSet<>(EVENT_TYPES)) + ")");
      }
      for (String t : eventTypes) {
        if (!EVENT_TYPES.contains(t)) {
          throw new IllegalArgumentException("webhook " + url + ": unknown event type '" + t
              + "' (known: " + String.join(", ", new java.util.TreeSet<>(EVENT_TYPES)) + ")");
        }
      }
      eventTypes = Set.copyOf(eventTypes);
      channelNameStartsWith = channelNameStartsWith == null
          ? Optional.empty() : channelNameStartsWith.filter(s -> !s.isEmpty());
      channelNameEndsWith = channelNameEndsWith == null
          ? Optional.empty() : channelNameEndsWith.filter(s -> !s.isEmpty());
      headers = headers == null ? Map.of() : Map.copyOf(headers);
      for (String name : headers.keySet()) {
        if (!name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
          throw new IllegalArgumentException("webhook " + url + ": '" + name
              + "' is not a valid header name");
        }
        if (RESERVED_HEADERS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
          throw new IllegalArgumentException("webhook " + url + ": header '" + name
              + "' is set by the HTTP client and cannot be configured");
        }
      }
    }

    /** Whether this endpoint takes an event of {@code type} on {@code channel} (null: none). */
    public boolean accepts(String type, String channel) {
      if (!eventTypes.contains(type)) {
        return false;
      }
      if (channel == null) {
        return true;
      }
      return channelNameStartsWith.map(channel::startsWith).orElse(true)
          && channelNameEndsWith.map(channel::endsWith).orElse(true);
    }
  }
}
