package dev.beacon.core.notifications;

import dev.beacon.core.outbox.PushIntent;
import java.util.List;
import java.util.Optional;

/** Durable notifications. Every write is committed before it returns. Blocking. */
public interface NotificationStore {

  /**
   * Stores a notification; with a request key, only if no notification was stored for that key
   * before. A push, when given, is stored in the same transaction (one outbox row per device the
   * user has registered), and only if the notification is.
   *
   * @return the id stored under the request key (the earlier one, if there was one)
   */
  String insert(String appId, Notification notification, Optional<String> requestKey,
      Optional<PushIntent> push);

  Optional<Notification> find(String appId, String id);

  /** @return whether an unread notification of the user was marked */
  boolean markRead(String appId, String userId, String id, long at);

  /** @return how many were marked */
  int markAllRead(String appId, String userId, long at);

  /** The user's newest notifications with ids below {@code beforeId} (all when empty). */
  List<Notification> latest(String appId, String userId, int limit, Optional<String> beforeId,
      boolean unreadOnly);

  long unreadCount(String appId, String userId);

  /** Deletes up to {@code batch} notifications created before {@code cutoff}; returns how many. */
  int deleteCreatedBefore(String appId, long cutoff, int batch);
}
