package dev.beacon.protocol.pusher;

import java.util.List;
import java.util.Optional;

/** A message the server sends to a Pusher client. */
public sealed interface ServerMessage {

  /** {@code pusher:connection_established}. */
  record ConnectionEstablished(String socketId, int activityTimeoutSeconds)
      implements ServerMessage {}

  /** {@code pusher:error}; {@code code} is absent for errors without a protocol code. */
  record Error(Optional<Integer> code, String message) implements ServerMessage {}

  /** {@code pusher:ping}. */
  record Ping() implements ServerMessage {}

  /** {@code pusher:pong}. */
  record Pong() implements ServerMessage {}

  /** {@code pusher_internal:subscription_succeeded} for a channel without members. */
  record SubscriptionSucceeded(String channel) implements ServerMessage {}

  /** {@code pusher_internal:subscription_succeeded} for a presence channel. */
  record PresenceSubscriptionSucceeded(String channel, List<Member> members)
      implements ServerMessage {}

  /** {@code pusher:subscription_error}, e.g. {@code AuthError} with status 401. */
  record SubscriptionError(String channel, String type, String error, int status)
      implements ServerMessage {}

  /** {@code pusher_internal:member_added}. */
  record MemberAdded(String channel, Member member) implements ServerMessage {}

  /** {@code pusher_internal:member_removed}. */
  record MemberRemoved(String channel, String userId) implements ServerMessage {}

  /**
   * An event on a channel.
   *
   * @param dataJson the JSON text of the data value (a quoted string for HTTP API events)
   * @param userId the sender, for client events on presence channels
   */
  record ChannelEvent(String channel, String event, String dataJson, Optional<String> userId)
      implements ServerMessage {}

  /** {@code pusher:cache_miss}: a cache channel has no event to replay. */
  record CacheMiss(String channel) implements ServerMessage {}

  /** {@code pusher:signin_success}. */
  record SigninSuccess(String userData) implements ServerMessage {}

  /** {@code pusher_internal:watchlist_events}. */
  record WatchlistEvents(List<WatchlistEvent> events) implements ServerMessage {}

  /** {@code pusher_internal:subscription_count}. */
  record SubscriptionCount(String channel, int count) implements ServerMessage {}

  /** A presence member: the user id and its {@code user_info} as JSON text ({@code null} if none). */
  record Member(String userId, String userInfoJson) {}

  /** One watchlist event: {@code online} or {@code offline} for some users. */
  record WatchlistEvent(String name, List<String> userIds) {}
}
