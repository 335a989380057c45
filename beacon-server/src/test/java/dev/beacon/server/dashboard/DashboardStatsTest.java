package dev.beacon.server.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.time.ManualClock;
import dev.beacon.server.metrics.MicrometerMetrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DashboardStatsTest {

  private final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private final MicrometerMetrics metrics = new MicrometerMetrics();
  private final AtomicInteger connections = new AtomicInteger();
  private final DashboardStats stats;

  DashboardStatsTest() {
    Apps apps = Apps.of(List.of(App.builder("a", "a-key", "s").build(), App.builder("b", "b-key", "s").build()));
    for (App app : apps.all()) {
      metrics.gauge("beacon_connections", "", app.id(), connections, AtomicInteger::get);
    }
    stats = new DashboardStats(metrics.registry(), apps, clock);
  }

  private JsonNode lastSample(String app) {
    JsonNode samples = stats.toJson(app, 0).get("samples");
    return samples.get(samples.size() - 1);
  }

  private void tick() {
    clock.advance(1000);
    stats.sample();
  }

  @Test
  void gaugesAreReadAsTheyAreAndCountersAsRatesPerApp() {
    stats.sample();
    connections.set(2);
    for (int i = 0; i < 20; i++) {
      metrics.messageIn("a");
    }
    metrics.apiEvent("a", 10); // the backend's events count as messages in, one per channel
    metrics.messagesOut("a", 90);
    metrics.messagesOut("b", 4);
    clock.advance(2000);
    stats.sample();
    JsonNode a = lastSample("a");
    assertThat(a.get("connections").asDouble()).isEqualTo(2);
    assertThat(a.get("messagesInPerSecond").asDouble()).isEqualTo(15);
    assertThat(a.get("messagesOutPerSecond").asDouble()).isEqualTo(45);
    assertThat(lastSample("b").get("messagesOutPerSecond").asDouble()).isEqualTo(2);
  }

  @Test
  void functionP99ComesFromTheLastTenSecondsOfCalls() {
    stats.sample();
    assertThat(lastSample("a").get("functionP99Millis").isNull()).isTrue();
    // an old slow call, then 200 fast ones in the window: the slow one ages out
    metrics.functionCall("a", "presence:heartbeat", "success", Duration.ofMillis(900).toNanos());
    tick();
    for (int i = 0; i < 11; i++) {
      tick();
    }
    for (int i = 0; i < 200; i++) {
      metrics.functionCall("a", i % 2 == 0 ? "typing:startTyping" : "rooms:list", "success",
          Duration.ofMillis(2).toNanos());
    }
    tick();
    JsonNode a = lastSample("a");
    // within the 1-5 ms bucket the 2 ms calls fall in (the 900 ms one would put it above 500)
    assertThat(a.get("functionP99Millis").asDouble()).isBetween(1.0, 5.0);
    assertThat(a.get("functionCallsPerSecond").asDouble()).isEqualTo(200);
  }

  @Test
  void p99InterpolatesWithinTheBucketItFallsIn() {
    java.util.TreeMap<Double, Double> none = new java.util.TreeMap<>();
    java.util.TreeMap<Double, Double> buckets = new java.util.TreeMap<>();
    buckets.put(1_000_000.0, 50.0);   // 50 calls up to 1 ms
    buckets.put(3_000_000.0, 100.0);  // 50 more up to 3 ms
    var from = new DashboardStats.Totals(0, 0, 0, 0, none, java.util.Map.of(), 0);
    var to = new DashboardStats.Totals(1000, 0, 0, 100, buckets, java.util.Map.of(), 0);
    assertThat(DashboardStats.p99Millis(from, to)).isCloseTo(2.96, within(0.001));
    assertThat(DashboardStats.p99Millis(to, to)).isNaN();
  }

  @Test
  void errorsAreCountedByCodeWithFunctionFailuresByOutcome() {
    stats.sample();
    metrics.error("a", 4301);
    metrics.error("a", 4301);
    metrics.error("a", 401);
    metrics.functionCall("a", "presence:getUserPresence", "forbidden", 1_000_000);
    tick();
    JsonNode json = stats.toJson("a", 0);
    assertThat(lastSample("a").get("errorsPerSecond").asDouble()).isEqualTo(4);
    assertThat(json.get("errorsByCode").toString())
        .contains("{\"code\":\"4301\",\"total\":2,\"lastMinute\":2}")
        .contains("{\"code\":\"forbidden\",\"total\":1,\"lastMinute\":1}");
    assertThat(stats.toJson("b", 0).get("errorsByCode")).isEmpty();
  }

  @Test
  void historyIsBoundedAndPagedByTime() {
    for (int i = 0; i < DashboardStats.HISTORY + 30; i++) {
      tick();
    }
    JsonNode all = stats.toJson("a", 0).get("samples");
    assertThat(all).hasSize(DashboardStats.HISTORY);
    long since = all.get(all.size() - 3).get("t").asLong();
    assertThat(stats.toJson("a", since).get("samples")).hasSize(2);
    assertThat(stats.toJson("a", 0).get("apps").toString()).isEqualTo("[\"a\",\"b\"]");
  }

  @Test
  void pushSendsAreARatePerAppAndTheOutboxAndTotalsAreShown() {
    dev.beacon.server.push.PushMeters push = new dev.beacon.server.push.PushMeters(metrics.registry());
    java.util.concurrent.atomic.AtomicLong queue = new java.util.concurrent.atomic.AtomicLong(7);
    io.micrometer.core.instrument.Gauge.builder("beacon_push_queue", queue,
        java.util.concurrent.atomic.AtomicLong::get).register(metrics.registry());
    stats.sample();
    for (int i = 0; i < 6; i++) {
      push.sent("a", dev.beacon.core.push.DeviceKind.WEB);
    }
    push.retried("a", dev.beacon.core.push.DeviceKind.APNS, "503");
    push.failed("a", dev.beacon.core.push.DeviceKind.FCM, "expired");
    push.removed("a", dev.beacon.core.push.DeviceKind.WEB);
    clock.advance(2000);
    stats.sample();
    assertThat(lastSample("a").get("pushSentPerSecond").asDouble()).isEqualTo(3);
    assertThat(lastSample("b").get("pushSentPerSecond").asDouble()).isZero();
    JsonNode json = stats.toJson("a", 0);
    assertThat(json.at("/server/pushQueue").asLong()).isEqualTo(7);
    assertThat(json.at("/push/sent").asLong()).isEqualTo(6);
    assertThat(json.at("/push/retries").asLong()).isEqualTo(1);
    assertThat(json.at("/push/failures").asLong()).isEqualTo(1);
    assertThat(json.at("/push/removed").asLong()).isEqualTo(1);
  }
}
