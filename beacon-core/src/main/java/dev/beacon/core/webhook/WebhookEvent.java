package dev.beacon.core.webhook;

import java.util.Optional;

/**
 * One webhook event, with Pusher's fields: {@code name} is its type; the other fields are present
 * only for the types that carry them.
 *
 * @param channel every type but {@code user_online} / {@code user_offline}
 * @param userId member events, presence client events, {@code user_online} / {@code user_offline}
 * @param event the client event's name
 * @param data the client event's data, as the JSON text the client sent
 * @param socketId the client event's sender
 * @param subscriptionCount {@code subscription_count}'s count
 */
public record WebhookEvent(String name, Optional<String> channel, Optional<String> userId,
    Optional<String> event, Optional<String> data, Optional<String> socketId,
    Optional<Integer> subscriptionCount) {

  public static final String CHANNEL_OCCUPIED = "channel_occupied";
  public static final String CHANNEL_VACATED = "channel_vacated";
  public static final String MEMBER_ADDED = "member_added";
  public static final String MEMBER_REMOVED = "member_removed";
  public static final String CLIENT_EVENT = "client_event";
  public static final String SUBSCRIPTION_COUNT = "subscription_count";
  public static final String CACHE_MISS = "cache_miss";
  public static final String USER_ONLINE = "user_online";
  public static final String USER_OFFLINE = "user_offline";

  public static WebhookEvent channel(String name, String channel) {
    return new WebhookEvent(name, Optional.of(channel), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty());
  }

  public static WebhookEvent member(String name, String channel, String userId) {
    return new WebhookEvent(name, Optional.of(channel), Optional.of(userId), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty());
  }

  public static WebhookEvent clientEvent(String channel, String event, String dataJson,
      String socketId, Optional<String> userId) {
    return new WebhookEvent(CLIENT_EVENT, Optional.of(channel), userId, Optional.of(event),
        Optional.of(dataJson), Optional.of(socketId), Optional.empty());
  }

  public static WebhookEvent subscriptionCount(String channel, int count) {
    return new WebhookEvent(SUBSCRIPTION_COUNT, Optional.of(channel), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(count));
  }

  public static WebhookEvent user(String name, String userId) {
    return new WebhookEvent(name, Optional.empty(), Optional.of(userId), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty());
  }
}
