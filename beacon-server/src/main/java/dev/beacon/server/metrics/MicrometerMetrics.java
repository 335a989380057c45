package dev.beacon.server.metrics;

import dev.beacon.core.metrics.BeaconMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Beacon's metrics in a Prometheus registry. Counters are looked up once per (name, app, code)
 * and cached, so the hot path costs a map read and an add.
 */
public final class MicrometerMetrics implements BeaconMetrics {

  /**
   * The latency histograms' buckets, the same few for every timer (plus Prometheus's +Inf): a
   * histogram per app × function × outcome stays at nine lines, not Micrometer's 70-odd.
   */
  public static final Duration[] BUCKETS = {
    Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(50),
    Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5)};

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();
  /** Each app's counters of the per-connection and per-message paths, once looked up. */
  private final ConcurrentHashMap<String, AppCounters> byApp = new ConcurrentHashMap<>();

  /**
   * An app's counters on the hot paths (a connection opening or closing, every message in, every
   * lane delivery), kept in fields once registered so that counting costs a map read by the app
   * id and an add, not a key string built and hashed per call. Registered lazily, as before: a
   * counter appears in the exposition at its first increment.
   */
  private static final class AppCounters {
    volatile Counter opened;
    volatile Counter closed;
    volatile Counter in;
    volatile Counter out;
    volatile Counter clientEvents;
  }

  private AppCounters app(String appId) {
    AppCounters c = byApp.get(appId);
    return c != null ? c : byApp.computeIfAbsent(appId, k -> new AppCounters());
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  /** Registers a gauge read when scraped. */
  public <T> void gauge(String name, String help, String appId, T source,
      java.util.function.ToDoubleFunction<T> value) {
    io.micrometer.core.instrument.Gauge.builder(name, source, value)
        .description(help).tag("app", appId).register(registry);
  }

  private Counter counter(String name, String help, String appId) {
    return counters.computeIfAbsent(name + '\u0000' + appId,
        k -> Counter.builder(name).description(help).tag("app", appId).register(registry));
  }

  @Override
  public void connectionOpened(String appId) {
    AppCounters a = app(appId);
    Counter c = a.opened;
    if (c == null) {
      a.opened = c = counter("beacon_connections_opened", "WebSocket connections opened", appId);
    }
    c.increment();
  }

  @Override
  public void connectionClosed(String appId) {
    AppCounters a = app(appId);
    Counter c = a.closed;
    if (c == null) {
      a.closed = c = counter("beacon_connections_closed", "WebSocket connections closed", appId);
    }
    c.increment();
  }

  @Override
  public void messageIn(String appId) {
    AppCounters a = app(appId);
    Counter c = a.in;
    if (c == null) {
      a.in = c = counter("beacon_messages_in", "Messages received from clients", appId);
    }
    c.increment();
  }

  @Override
  public void apiEvent(String appId, int channels) {
    counter("beacon_api_events", "Events published through the HTTP API, one per channel", appId)
        .increment(channels);
  }

  @Override
  public void messagesOut(String appId, int count) {
    AppCounters a = app(appId);
    Counter c = a.out;
    if (c == null) {
      a.out = c = counter("beacon_messages_out", "Messages written to clients", appId);
    }
    c.increment(count);
  }

  @Override
  public void clientEvent(String appId) {
    AppCounters a = app(appId);
    Counter c = a.clientEvents;
    if (c == null) {
      a.clientEvents = c = counter("beacon_client_events", "Client events fanned out", appId);
    }
    c.increment();
  }

  @Override
  public void error(String appId, int code) {
    counters.computeIfAbsent("beacon_errors\u0000" + appId + '\u0000' + code,
        k -> Counter.builder("beacon_errors")
            .description("Errors sent to clients and callers, by Pusher code or HTTP status")
            .tag("app", appId).tag("code", Integer.toString(code)).register(registry))
        .increment();
  }

  @Override
  public void overloaded(String appId) {
    counter("beacon_publications_refused", "Publications refused because a lane queue was full", appId)
        .increment();
  }

  /** Records one HTTP API call. */
  public void httpApi(String appId, String endpoint, int status, long nanos) {
    String key = appId + '\u0000' + endpoint + '\u0000' + status;
    timers.computeIfAbsent(key, timerFactory(appId, endpoint, status))
        .record(Duration.ofNanos(nanos));
  }

  /** Records one function call and its outcome (success, or the error code). */
  @Override
  public void functionCall(String appId, String function, String outcome, long nanos) {
    String key = "fn\u0000" + appId + '\u0000' + function + '\u0000' + outcome;
    timers.computeIfAbsent(key, k -> Timer.builder("beacon_function_calls")
        .description("Built-in function calls and their latency")
        .tag("app", appId).tag("function", function).tag("outcome", outcome)
        .serviceLevelObjectives(BUCKETS)
        .register(registry)).record(Duration.ofNanos(nanos));
  }

  private Function<String, Timer> timerFactory(String appId, String endpoint, int status) {
    return k -> Timer.builder("beacon_http_api")
        .description("Pusher HTTP API calls and their latency")
        .tag("app", appId).tag("endpoint", endpoint).tag("status", Integer.toString(status))
        .serviceLevelObjectives(BUCKETS)
        .register(registry);
  }
}
