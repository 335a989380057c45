package dev.beacon.server.push;

import dev.beacon.core.push.DeviceKind;
import dev.beacon.core.push.PushMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Push counts in the Micrometer registry behind {@code /metrics} and the dashboard: {@code
 * beacon_push_sent}, {@code beacon_push_retries}, {@code beacon_push_failures} (by reason),
 * {@code beacon_push_removed} (dead registrations), each by app and service, and {@code
 * beacon_push_skipped} (not queued: the user's rate exceeded, or the outbox full).
 */
public final class PushMeters implements PushMetrics {

  private final MeterRegistry registry;
  private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();

  public PushMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  private Counter counter(String name, String help, String appId, String... tags) {
    return counters.computeIfAbsent(name + '\u0000' + appId + '\u0000' + String.join("\u0000", tags),
        k -> Counter.builder(name).description(help).tag("app", appId).tags(tags).register(registry));
  }

  @Override
  public void sent(String appId, DeviceKind kind) {
    counter("beacon_push_sent", "Pushes accepted by a push service", appId,
        "service", kind.wireName()).increment();
  }

  @Override
  public void retried(String appId, DeviceKind kind, String reason) {
    counter("beacon_push_retries", "Push sends to be tried again (429, 5xx, no answer)", appId,
        "service", kind.wireName()).increment();
  }

  @Override
  public void failed(String appId, DeviceKind kind, String reason) {
    counter("beacon_push_failures", "Pushes given up: refused by the service or out of time",
        appId, "service", kind.wireName(), "reason", reason).increment();
  }

  @Override
  public void removed(String appId, DeviceKind kind) {
    counter("beacon_push_removed", "Dead push registrations removed", appId,
        "service", kind.wireName()).increment();
  }

  @Override
  public void skipped(String appId, String reason) {
    counter("beacon_push_skipped", "Pushes not queued", appId, "reason", reason).increment();
  }
}
