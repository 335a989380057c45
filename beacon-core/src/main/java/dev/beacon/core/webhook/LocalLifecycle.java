package dev.beacon.core.webhook;

import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.hub.ChannelLifecycle;
import dev.beacon.core.time.ExpiryScheduler;
import dev.beacon.protocol.pusher.ServerMessage.Member;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The single-node {@link ChannelLifecycle}: this node's transitions are the whole truth.
 *
 * <ul>
 *   <li>{@code channel_vacated} and {@code member_removed} wait the app's grace period ({@code
 *       webhook_grace_ms}, 3 s by default) and are dropped if the channel or the member is back
 *       by then, together with the {@code channel_occupied} / {@code member_added} the return
 *       would have sent: a reconnect sends nothing. When a channel's vacate is due, the removals
 *       still waiting on it are sent first, so a backend always hears {@code member_removed}
 *       before {@code channel_vacated}.
 *   <li>{@code subscription_count} (non-presence channels): each change while the channel has at
 *       most 100 subscriptions; above that, at most one every 5 s, with the latest count.
 * </ul>
 *
 * <p>Each channel's pending decisions are guarded by their own lock; timers run on the shared
 * {@link ExpiryScheduler} and only queue events on the sink.
 */
public final class LocalLifecycle implements ChannelLifecycle {

  /** Above this many subscriptions, {@code subscription_count} is sent at most every 5 s. */
  public static final int COUNT_THROTTLE_ABOVE = 100;
  public static final long COUNT_INTERVAL_MILLIS = 5000;

  private final Apps apps;
  private final ExpiryScheduler expiry;
  private final WebhookSink sink;
  private final ConcurrentHashMap<String, State> states = new ConcurrentHashMap<>();

  public LocalLifecycle(Apps apps, ExpiryScheduler expiry, WebhookSink sink) {
    this.apps = apps;
    this.expiry = expiry;
    this.sink = sink;
  }

  @Override
  public void occupied(String appId, String channel) {
    Optional<App> app = withWebhooks(appId);
    if (app.isEmpty()) {
      return;
    }
    change(appId, channel, s -> {
      if (s.vacate != null) {
        s.vacate.cancel();
        s.vacate = null;
        return; // back within the grace period: neither vacated nor occupied
      }
      emit(app.get(), WebhookEvent.channel(WebhookEvent.CHANNEL_OCCUPIED, channel));
    });
  }

  @Override
  public void vacated(String appId, String channel) {
    Optional<App> app = withWebhooks(appId);
    if (app.isEmpty()) {
      return;
    }
    long grace = app.get().webhooks().graceMillis();
    if (grace == 0) {
      emit(app.get(), WebhookEvent.channel(WebhookEvent.CHANNEL_VACATED, channel));
      return;
    }
    long due = expiry.clock().millis() + grace;
    change(appId, channel, s -> {
      if (s.vacate != null) {
        s.vacate.cancel();
      }
      ExpiryScheduler.Handle[] self = new ExpiryScheduler.Handle[1];
      self[0] = expiry.schedule(due, () -> vacateDue(appId, channel, self[0]));
      s.vacate = self[0];
    });
  }

  private void vacateDue(String appId, String channel, ExpiryScheduler.Handle handle) {
    Optional<App> app = apps.byId(appId);
    change(appId, channel, s -> {
      if (s.vacate != handle || app.isEmpty()) {
        return;
      }
      s.vacate = null;
      // removals still waiting on this channel go first: member_removed before channel_vacated
      for (Map.Entry<String, ExpiryScheduler.Handle> e : s.removals.entrySet()) {
        e.getValue().cancel();
        emit(app.get(), WebhookEvent.member(WebhookEvent.MEMBER_REMOVED, channel, e.getKey()));
      }
      s.removals.clear();
      emit(app.get(), WebhookEvent.channel(WebhookEvent.CHANNEL_VACATED, channel));
    });
  }

  @Override
  public void memberJoined(String appId, String channel, Member member) {
    Optional<App> app = withWebhooks(appId);
    if (app.isEmpty()) {
      return;
    }
    String userId = member.userId();
    change(appId, channel, s -> {
      ExpiryScheduler.Handle pending = s.removals.remove(userId);
      if (pending != null) {
        pending.cancel();
        return; // back within the grace period
      }
      emit(app.get(), WebhookEvent.member(WebhookEvent.MEMBER_ADDED, channel, userId));
    });
  }

  @Override
  public void memberLeft(String appId, String channel, String userId) {
    Optional<App> app = withWebhooks(appId);
    if (app.isEmpty()) {
      return;
    }
    long grace = app.get().webhooks().graceMillis();
    if (grace == 0) {
      emit(app.get(), WebhookEvent.member(WebhookEvent.MEMBER_REMOVED, channel, userId));
      return;
    }
    long due = expiry.clock().millis() + grace;
    change(appId, channel, s -> {
      ExpiryScheduler.Handle[] self = new ExpiryScheduler.Handle[1];
      self[0] = expiry.schedule(due, () -> removalDue(appId, channel, userId, self[0]));
      ExpiryScheduler.Handle before = s.removals.put(userId, self[0]);
      if (before != null) {
        before.cancel();
      }
    });
  }

  private void removalDue(String appId, String channel, String userId,
      ExpiryScheduler.Handle handle) {
    Optional<App> app = apps.byId(appId);
    change(appId, channel, s -> {
      if (s.removals.remove(userId, handle) && app.isPresent()) {
        emit(app.get(), WebhookEvent.member(WebhookEvent.MEMBER_REMOVED, channel, userId));
      }
    });
  }

  @Override
  public void subscriptionCount(String appId, String channel, int count) {
    Optional<App> app = withWebhooks(appId)
        .filter(a -> a.webhooks().wants(WebhookEvent.SUBSCRIPTION_COUNT));
    if (app.isEmpty()) {
      return;
    }
    long now = expiry.clock().millis();
    change(appId, channel, s -> {
      s.count = count;
      if (count == 0) {
        // vacancy is told by channel_vacated; a later subscriber starts afresh
        if (s.countTimer != null) {
          s.countTimer.cancel();
          s.countTimer = null;
        }
        s.countSentAt = 0;
        return;
      }
      if (s.countTimer != null) {
        return; // the timer sends the latest count
      }
      if (count <= COUNT_THROTTLE_ABOVE || now - s.countSentAt >= COUNT_INTERVAL_MILLIS) {
        s.countSentAt = now;
        emit(app.get(), WebhookEvent.subscriptionCount(channel, count));
        return;
      }
      ExpiryScheduler.Handle[] self = new ExpiryScheduler.Handle[1];
      self[0] = expiry.schedule(s.countSentAt + COUNT_INTERVAL_MILLIS,
          () -> countDue(appId, channel, self[0]));
      s.countTimer = self[0];
    });
  }

  private void countDue(String appId, String channel, ExpiryScheduler.Handle handle) {
    Optional<App> app = apps.byId(appId);
    change(appId, channel, s -> {
      if (s.countTimer != handle) {
        return;
      }
      s.countTimer = null;
      s.countSentAt = expiry.clock().millis();
      if (s.count > 0 && app.isPresent()) {
        emit(app.get(), WebhookEvent.subscriptionCount(channel, s.count));
      }
    });
  }

  /** Channels with decisions pending (grace timers, throttled counts): for tests and metrics. */
  public int pending() {
    return states.size();
  }

  private Optional<App> withWebhooks(String appId) {
    return apps.byId(appId).filter(a -> a.webhooks().enabled());
  }

  private void emit(App app, WebhookEvent event) {
    if (app.webhooks().wants(event.name())) {
      sink.emit(app.id(), event);
    }
  }

  /**
   * Applies a decision to a channel's state under its lock (events are queued under it too, so a
   * channel's events are queued in the order decided) and forgets the state once nothing is
   * pending; a state forgotten meanwhile is never changed (the loop takes a fresh one).
   */
  private void change(String appId, String channel, java.util.function.Consumer<State> decision) {
    String key = appId + '\u0000' + channel;
    while (true) {
      State s = states.computeIfAbsent(key, k -> new State());
      synchronized (s) {
        if (s.retired) {
          continue;
        }
        decision.accept(s);
        if (s.idle()) {
          s.retired = true;
          states.remove(key, s);
        }
        return;
      }
    }
  }

  private static final class State {
    ExpiryScheduler.Handle vacate;
    final Map<String, ExpiryScheduler.Handle> removals = new LinkedHashMap<>();
    int count;
    long countSentAt;
    ExpiryScheduler.Handle countTimer;
    boolean retired;

    boolean idle() {
      return vacate == null && removals.isEmpty() && countTimer == null && count == 0;
    }
  }
}
