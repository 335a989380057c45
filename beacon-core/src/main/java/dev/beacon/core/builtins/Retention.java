package dev.beacon.core.builtins;

import dev.beacon.core.activity.ActivityFunctions;
import dev.beacon.core.activity.ActivityStore;
import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.functions.Changes;
import dev.beacon.core.functions.DependencyKey;
import dev.beacon.core.notifications.NotificationFunctions;
import dev.beacon.core.notifications.NotificationStore;
import dev.beacon.core.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes expired rows: friend activity older than each app's activity TTL and notifications
 * older than its retention, in batches, so that no single statement holds the store for long and
 * callers are never blocked behind it. Run periodically on a background thread. A pass that
 * removed rows reports {@link #ACTIVITY_EXPIRY} or {@link #NOTIFICATION_EXPIRY}, which the feeds
 * and notification queries read, so live subscribers stop showing what was removed.
 */
public final class Retention implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(Retention.class);
  static final int BATCH = 1000;

  private final Apps apps;
  private final NotificationStore notifications;
  private final ActivityStore activity;
  private final Clock clock;
  private final Changes changes;

  /** Read by every activity feed: changed when a retention pass removed activity. */
  public static final String ACTIVITY_EXPIRY = ActivityFunctions.EXPIRY;
  /** Read by every notification query: changed when a retention pass removed notifications. */
  public static final String NOTIFICATION_EXPIRY = NotificationFunctions.EXPIRY;

  public Retention(Apps apps, NotificationStore notifications, ActivityStore activity, Clock clock,
      Changes changes) {
    this.apps = apps;
    this.notifications = notifications;
    this.activity = activity;
    this.clock = clock;
    this.changes = changes;
  }

  @Override
  public void run() {
    long now = clock.millis();
    for (App app : apps.all()) {
      long activityCutoff = now - app.functions().activityTtlHours() * 3_600_000L;
      long notificationCutoff = now - app.functions().notificationRetentionDays() * 86_400_000L;
      int activities = drain(() -> activity.deleteCreatedBefore(app.id(), activityCutoff, BATCH));
      int notes = drain(() -> notifications.deleteCreatedBefore(app.id(), notificationCutoff, BATCH));
      java.util.List<DependencyKey> changed = new java.util.ArrayList<>(2);
      if (activities > 0) {
        changed.add(DependencyKey.of(app.id(), ACTIVITY_EXPIRY, "*"));
      }
      if (notes > 0) {
        changed.add(DependencyKey.of(app.id(), NOTIFICATION_EXPIRY, "*"));
      }
      if (!changed.isEmpty()) {
        changes.changed(changed);
      }
      int removed = activities + notes;
      if (removed > 0) {
        LOG.info("app {}: removed {} expired rows", app.id(), removed);
      }
    }
  }

  private static int drain(java.util.function.IntSupplier batch) {
    int total = 0;
    int n;
    do {
      n = batch.getAsInt();
      total += n;
      if (n == BATCH) {
        Thread.yield();
      }
    } while (n == BATCH);
    return total;
  }
}
