package dev.beacon.core.push;

import dev.beacon.core.app.App;
import dev.beacon.core.app.PushSettings;
import dev.beacon.core.outbox.OfflinePush;
import dev.beacon.core.outbox.PushContent;
import dev.beacon.core.outbox.PushIntent;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who gets a push: apps with a push service configured, users who are offline as the presence
 * model says (or everyone, with {@code when: always}), within each user's rate (a token bucket
 * of {@code per_user_per_minute}; the buckets of the {@value #MAX_BUCKETS} most recent users are
 * kept, older ones are forgotten, which only forgives them), while the outbox holds fewer than
 * its bound ({@code push.max_queued}, checked against the depth the dispatcher last saw, so it may
 * be passed by what is stored within one of its looks).
 */
public final class PushPolicy implements OfflinePush {

  private static final Logger LOG = LoggerFactory.getLogger(PushPolicy.class);
  static final int MAX_BUCKETS = 100_000;

  private final BiPredicate<String, String> online;
  private final Map<String, double[]> buckets = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, double[]> eldest) {
      return size() > MAX_BUCKETS;
    }
  };
  private volatile Runnable wake = () -> {};
  private volatile PushMetrics metrics = PushMetrics.NONE;
  private volatile LongSupplier depth = () -> 0;
  private volatile long maxQueued = Long.MAX_VALUE;
  private volatile long lastFullWarning;

  /** @param online whether a user of an app has a live session (cluster-wide when clustered) */
  public PushPolicy(BiPredicate<String, String> online) {
    this.online = online;
  }

  /**
   * Connects the dispatcher to wake, the metrics to count skipped pushes, and the outbox's depth
   * with its bound: no push is queued while {@code depth} is at {@code maxQueued} or above.
   */
  public void connect(Runnable wake, PushMetrics metrics, LongSupplier depth, long maxQueued) {
    this.wake = wake;
    this.metrics = metrics;
    this.depth = depth;
    this.maxQueued = maxQueued;
  }

  @Override
  public Optional<PushIntent> intent(App app, String userId, String messageId, PushContent content,
      long now) {
    PushSettings settings = app.push();
    if (!settings.enabled()) {
      return Optional.empty();
    }
    if (settings.when() == PushSettings.When.OFFLINE && online.test(app.id(), userId)) {
      return Optional.empty();
    }
    return explicit(app, userId, messageId, content, now);
  }

  /** A push the backend asked for: whoever is online, within the user's rate. */
  Optional<PushIntent> explicit(App app, String userId, String messageId, PushContent content,
      long now) {
    PushSettings settings = app.push();
    long queued = depth.getAsLong();
    if (queued >= maxQueued) {
      metrics.skipped(app.id(), "queue_full");
      if (now - lastFullWarning >= 60_000) {
        lastFullWarning = now;
        LOG.warn("push outbox full ({} pushes, push.max_queued {}): new pushes are not queued "
            + "until it drains (the services may be failing; see beacon_push_retries)", queued,
            maxQueued);
      }
      return Optional.empty();
    }
    if (!take(app.id() + '\u0000' + userId, settings.perUserPerMinute(), now)) {
      metrics.skipped(app.id(), "rate_limited");
      return Optional.empty();
    }
    return Optional.of(new PushIntent(messageId, userId, content, now,
        now + settings.ttlSeconds() * 1000L));
  }

  private boolean take(String key, int perMinute, long now) {
    synchronized (buckets) {
      double[] b = buckets.computeIfAbsent(key, k -> new double[] {perMinute, now});
      if (now > b[1]) {
        b[0] = Math.min(perMinute, b[0] + (now - b[1]) * perMinute / 60_000.0);
        b[1] = now;
      }
      if (b[0] >= 1) {
        b[0] -= 1;
        return true;
      }
      return false;
    }
  }

  @Override
  public void stored(App app) {
    wake.run();
  }
}
