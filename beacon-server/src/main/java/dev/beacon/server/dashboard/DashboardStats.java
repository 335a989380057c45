package dev.beacon.server.dashboard;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.time.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The dashboard's numbers, read once a second from the same Micrometer registry that {@code
 * /metrics} exposes (so there is one source of truth): per app, the gauges as they are, the
 * counters as rates over the last second, and the function-call p99 over the last ten seconds
 * from the calls' latency histograms. Keeps the last {@value #HISTORY} samples per app for the
 * charts.
 */
public final class DashboardStats {

  /** Samples kept per app: two minutes at one a second. */
  static final int HISTORY = 120;
  /** Seconds over which the function-call p99 is computed. */
  static final int P99_WINDOW = 10;
  /** Seconds over which the errors of each code are counted as recent. */
  static final int ERROR_WINDOW = 60;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final MeterRegistry registry;
  private final Apps apps;
  private final Clock clock;
  private final long started;
  private final Map<String, AppHistory> history = new LinkedHashMap<>();
  private volatile java.util.function.Function<String, ArrayNode> webhookLog = app -> NODES.arrayNode();

  public DashboardStats(MeterRegistry registry, Apps apps, Clock clock) {
    this.registry = registry;
    this.apps = apps;
    this.clock = clock;
    this.started = clock.millis();
    for (App app : apps.all()) {
      history.put(app.id(), new AppHistory());
    }
  }

  /** Sets where an app's recent webhook deliveries are read from; set once, before serving. */
  public void webhookLog(java.util.function.Function<String, ArrayNode> log) {
    this.webhookLog = log;
  }

  /** One second of one app, as the charts draw it. */
  record Sample(long time, double connections, double channels, double subscriptions,
      double presenceOnline, double messagesInPerSecond, double messagesOutPerSecond,
      double functionCallsPerSecond, double functionP99Millis, double errorsPerSecond,
      double pushSentPerSecond) {

    ObjectNode toJson() {
      ObjectNode n = NODES.objectNode();
      n.put("t", time);
      n.put("connections", (long) connections);
      n.put("channels", (long) channels);
      n.put("subscriptions", (long) subscriptions);
      n.put("presenceOnline", (long) presenceOnline);
      n.put("messagesInPerSecond", round(messagesInPerSecond));
      n.put("messagesOutPerSecond", round(messagesOutPerSecond));
      n.put("functionCallsPerSecond", round(functionCallsPerSecond));
      if (Double.isNaN(functionP99Millis)) {
        n.putNull("functionP99Millis");
      } else {
        n.put("functionP99Millis", round(functionP99Millis));
      }
      n.put("errorsPerSecond", round(errorsPerSecond));
      n.put("pushSentPerSecond", round(pushSentPerSecond));
      return n;
    }
  }

  /** Cumulative totals read at one instant, to be differenced with an earlier reading. */
  record Totals(long time, double messagesIn, double messagesOut, double calls,
      TreeMap<Double, Double> callBuckets, Map<String, Double> errors, double pushSent) {

    double errorTotal() {
      return errors.values().stream().mapToDouble(Double::doubleValue).sum();
    }
  }

  /** An app's samples and recent totals, guarded by itself. */
  private static final class AppHistory {
    final ArrayDeque<Sample> samples = new ArrayDeque<>(HISTORY);
    /** Totals of the last {@value #ERROR_WINDOW} seconds and one more, oldest first. */
    final ArrayDeque<Totals> totals = new ArrayDeque<>(ERROR_WINDOW + 1);
  }

  /** Reads the registry and records a sample for every app. Called once a second. */
  public void sample() {
    long now = clock.millis();
    for (App app : apps.all()) {
      Totals t = totals(app.id(), now);
      AppHistory h = history.get(app.id());
      synchronized (h) {
        Totals previous = h.totals.peekLast();
        Totals windowStart = null;
        int back = 0;
        for (Iterator<Totals> it = h.totals.descendingIterator(); it.hasNext() && back < P99_WINDOW; back++) {
          windowStart = it.next();
        }
        Sample s = sample(app.id(), t, previous, windowStart);
        if (h.samples.size() == HISTORY) {
          h.samples.removeFirst();
        }
        h.samples.addLast(s);
        if (h.totals.size() == ERROR_WINDOW + 1) {
          h.totals.removeFirst();
        }
        h.totals.addLast(t);
      }
    }
  }

  private Sample sample(String appId, Totals now, Totals previous, Totals windowStart) {
    double seconds = previous == null ? 0 : Math.max(0.001, (now.time() - previous.time()) / 1000.0);
    double in = 0;
    double out = 0;
    double calls = 0;
    double errors = 0;
    double pushes = 0;
    if (previous != null) {
      pushes = Math.max(0, now.pushSent() - previous.pushSent()) / seconds;
      in = Math.max(0, now.messagesIn() - previous.messagesIn()) / seconds;
      out = Math.max(0, now.messagesOut() - previous.messagesOut()) / seconds;
      calls = Math.max(0, now.calls() - previous.calls()) / seconds;
      errors = Math.max(0, now.errorTotal() - previous.errorTotal()) / seconds;
    }
    double p99 = windowStart == null ? Double.NaN : p99Millis(windowStart, now);
    return new Sample(now.time(), gauge("beacon_connections", appId), gauge("beacon_channels", appId),
        gauge("beacon_subscriptions", appId), gauge("beacon_presence_online", appId),
        in, out, calls, p99, errors, pushes);
  }

  /**
   * The 99th percentile of the calls made between two readings, from the difference of their
   * cumulative histograms, interpolated within the bucket it falls in (as Prometheus's
   * {@code histogram_quantile} does); NaN when there were no calls.
   */
  static double p99Millis(Totals from, Totals to) {
    double calls = to.calls() - from.calls();
    if (calls <= 0) {
      return Double.NaN;
    }
    double target = 0.99 * calls;
    double lowerBound = 0;
    double lowerCount = 0;
    for (Map.Entry<Double, Double> bucket : to.callBuckets().entrySet()) {
      double count = bucket.getValue() - from.callBuckets().getOrDefault(bucket.getKey(), 0.0);
      if (count >= target) {
        double inBucket = count - lowerCount;
        double fraction = inBucket <= 0 ? 1 : (target - lowerCount) / inBucket;
        return (lowerBound + (bucket.getKey() - lowerBound) * fraction) / 1_000_000.0;
      }
      lowerBound = bucket.getKey();
      lowerCount = count;
    }
    // beyond the largest bucket: say the largest bound, the most the histogram can tell
    return lowerBound / 1_000_000.0;
  }

  private Totals totals(String appId, long now) {
    double calls = 0;
    TreeMap<Double, Double> buckets = new TreeMap<>();
    Map<String, Double> errors = new TreeMap<>();
    for (Timer timer : registry.find("beacon_function_calls").tag("app", appId).timers()) {
      var snapshot = timer.takeSnapshot();
      calls += snapshot.count();
      for (CountAtBucket b : snapshot.histogramCounts()) {
        buckets.merge(b.bucket(TimeUnit.NANOSECONDS), b.count(), Double::sum);
      }
      String outcome = timer.getId().getTag("outcome");
      if (outcome != null && !outcome.equals("success")) {
        errors.merge(outcome, (double) snapshot.count(), Double::sum);
      }
    }
    for (Counter c : registry.find("beacon_errors").tag("app", appId).counters()) {
      errors.merge(String.valueOf(c.getId().getTag("code")), c.count(), Double::sum);
    }
    // messages in: what clients send over WebSockets and what the app's backend publishes
    return new Totals(now, counter("beacon_messages_in", appId) + counter("beacon_api_events", appId),
        counter("beacon_messages_out", appId),
        calls, buckets, errors, counter("beacon_push_sent", appId));
  }

  private double gauge(String name, String appId) {
    Gauge g = registry.find(name).tag("app", appId).gauge();
    double v = g == null ? 0 : g.value();
    return Double.isNaN(v) ? 0 : v;
  }

  private double counter(String name, String appId) {
    double total = 0;
    for (Counter c : registry.find(name).tag("app", appId).counters()) {
      total += c.count();
    }
    return total;
  }

  /**
   * The dashboard's JSON for one app: its samples after {@code since} (0 for all), errors by code
   * (in total and in the last minute), the configured apps and server-wide numbers.
   */
  public ObjectNode toJson(String appId, long since) {
    ObjectNode out = NODES.objectNode();
    ArrayNode appList = out.putArray("apps");
    apps.all().forEach(a -> appList.add(a.id()));
    out.put("app", appId);
    out.put("intervalMillis", 1000);
    out.put("historySeconds", HISTORY);
    out.put("uptimeSeconds", (clock.millis() - started) / 1000);
    ObjectNode server = out.putObject("server");
    server.put("syncConnections", (long) globalGauge("beacon_sync_connections"));
    server.put("liveQueries", (long) globalGauge("beacon_live_queries"));
    server.put("pushQueue", (long) globalGauge("beacon_push_queue"));
    server.put("pushInFlight", (long) globalGauge("beacon_push_in_flight"));
    ObjectNode push = out.putObject("push");
    push.put("sent", (long) counter("beacon_push_sent", appId));
    push.put("retries", (long) counter("beacon_push_retries", appId));
    push.put("failures", (long) counter("beacon_push_failures", appId));
    push.put("removed", (long) counter("beacon_push_removed", appId));
    ObjectNode hooks = out.putObject("webhooks");
    hooks.put("configured", apps.byId(appId).map(a -> a.webhooks().endpoints().size()).orElse(0));
    hooks.put("queue", (long) gauge("beacon_webhook_queue", appId));
    hooks.put("delivered", (long) counterTagged("beacon_webhook_requests", appId, "delivered"));
    hooks.put("failed", (long) counterTagged("beacon_webhook_requests", appId, "failed"));
    hooks.put("retries", (long) counter("beacon_webhook_retries", appId));
    hooks.put("dropped", (long) counter("beacon_webhook_dropped", appId));
    hooks.put("events", (long) counter("beacon_webhook_events", appId));
    hooks.set("recent", webhookLog.apply(appId));
    ArrayNode samples = out.putArray("samples");
    ArrayNode errors = out.putArray("errorsByCode");
    AppHistory h = history.get(appId);
    if (h == null) {
      return out;
    }
    synchronized (h) {
      for (Sample s : h.samples) {
        if (s.time() > since) {
          samples.add(s.toJson());
        }
      }
      Totals last = h.totals.peekLast();
      Totals first = h.totals.peekFirst();
      if (last != null) {
        for (Map.Entry<String, Double> e : last.errors().entrySet()) {
          double recent = e.getValue() - (first == last ? 0 : first.errors().getOrDefault(e.getKey(), 0.0));
          errors.addObject().put("code", e.getKey()).put("total", e.getValue().longValue())
              .put("lastMinute", (long) Math.max(0, recent));
        }
      }
    }
    return out;
  }

  private double counterTagged(String name, String appId, String outcome) {
    double total = 0;
    for (Counter c : registry.find(name).tag("app", appId).tag("outcome", outcome).counters()) {
      total += c.count();
    }
    return total;
  }

  private double globalGauge(String name) {
    Gauge g = registry.find(name).gauge();
    return g == null || Double.isNaN(g.value()) ? 0 : g.value();
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
