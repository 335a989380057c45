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

/**
 * Who gets a push: apps with a push service configured, users who are offline as the presence
 * model says (or everyone, with {@code when: always}), within each user's rate (a token bucket
 * of {@code per_user_per_minute}; the buckets of the {@value #MAX_BUCKETS} most recent users are
 * kept, older ones are forgotten, which only forgives them).
 */
public final class PushPolicy implements OfflinePush {

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

  /** @param online whether a user of an app has a live session (cluster-wide when clustered) */
  public PushPolicy(BiPredicate<String, String> online) {
    this.online = online;
  }

  /** Connects the dispatcher to wake and the metrics to count skipped pushes. */
  public void connect(Runnable wake, PushMetrics metrics) {
    this.wake = wake;
    this.metrics = metrics;
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
