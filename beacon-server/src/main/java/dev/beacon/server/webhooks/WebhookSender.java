package dev.beacon.server.webhooks;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.app.WebhookSettings;
import dev.beacon.core.webhook.WebhookEvent;
import dev.beacon.core.webhook.WebhookSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers webhook events over HTTP, off the event loops.
 *
 * <p>{@link #emit} (any thread, never blocks) counts the event against its app's bound, once per
 * endpoint that takes it, and hands it to that endpoint's line; beyond the bound the event is
 * dropped and counted ({@code beacon_webhook_dropped}). Everything else runs on one thread of its
 * own: each endpoint's line sends one request at a time, in order (one event per request, or with
 * {@code webhook_batching} up to {@value #BATCH_EVENTS} events gathered for at most {@value
 * #BATCH_MILLIS} ms), each signed for that endpoint. A request answered 2xx is delivered; one
 * answered 408, 429 or 5xx, or not answered within the app's timeout (4 s), is retried with
 * exponential backoff (1 s, 2 s, 4 s … at most a minute apart) for up to the app's retry time (5
 * minutes) from its first attempt, on its own, while the line goes on with later events; any other
 * answer is final. The HTTP client runs on two threads of its own.
 */
public final class WebhookSender implements WebhookSink, AutoCloseable {

  static final int BATCH_EVENTS = 20;
  static final long BATCH_MILLIS = 250;
  static final long MAX_BACKOFF_MILLIS = 60_000;
  /** Deliveries remembered per app for the dashboard. */
  static final int RECENT = 50;
  private static final Set<String> OWN_HEADERS = Set.of("content-type", "x-pusher-key",
      "x-pusher-signature");
  private static final Logger LOG = LoggerFactory.getLogger(WebhookSender.class);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final ScheduledExecutorService thread;
  private final ExecutorService httpThreads;
  private final HttpClient client;
  private final Map<String, AppLines> apps = new HashMap<>();

  /** Starts its threads only if some app has an endpoint. */
  public WebhookSender(Apps apps, MeterRegistry registry) {
    for (App app : apps.all()) {
      if (app.webhooks().enabled()) {
        this.apps.put(app.id(), new AppLines(app, registry));
      }
    }
    if (this.apps.isEmpty()) {
      this.thread = null;
      this.httpThreads = null;
      this.client = null;
      return;
    }
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "beacon-webhooks");
      t.setDaemon(true);
      return t;
    });
    AtomicInteger n = new AtomicInteger();
    this.httpThreads = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "beacon-webhook-http-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    // HTTP/1.1: what every webhook receiver speaks, with no h2c upgrade attempt on plain http
    this.client = HttpClient.newBuilder().executor(httpThreads).version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /** Whether any app has an endpoint. */
  public boolean enabled() {
    return !apps.isEmpty();
  }

  @Override
  public void emit(String appId, WebhookEvent event) {
    AppLines lines = apps.get(appId);
    if (lines == null) {
      return;
    }
    String channel = event.channel().orElse(null);
    for (Line line : lines.lines) {
      if (!line.endpoint.accepts(event.name(), channel)) {
        continue;
      }
      if (lines.queued.incrementAndGet() > lines.settings.queueLimit()) {
        lines.queued.decrementAndGet();
        lines.dropped.increment();
        continue;
      }
      line.inbox.offer(event);
      if (line.wake.compareAndSet(false, true)) {
        try {
          thread.execute(line::drain);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          return; // closed
        }
      }
    }
  }

  /** Events of an app waiting to be delivered (first attempts and retries). */
  public int queued(String appId) {
    AppLines lines = apps.get(appId);
    return lines == null ? 0 : lines.queued.get();
  }

  /** The app's recent deliveries, newest first, for the dashboard. */
  public ArrayNode recent(String appId) {
    ArrayNode out = NODES.arrayNode();
    AppLines lines = apps.get(appId);
    if (lines == null) {
      return out;
    }
    synchronized (lines.recent) {
      for (java.util.Iterator<ObjectNode> it = lines.recent.descendingIterator(); it.hasNext(); ) {
        out.add(it.next());
      }
    }
    return out;
  }

  /**
   * Waits until nothing is queued or {@code maxMillis} have passed (a graceful shutdown lets
   * what is queued go out; retries waiting out their backoff are given that time too, no more).
   */
  public void drain(long maxMillis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
    while (System.nanoTime() < deadline && apps.values().stream().anyMatch(a -> a.queued.get() > 0)) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    int left = apps.values().stream().mapToInt(a -> a.queued.get()).sum();
    if (left > 0) {
      LOG.warn("stopping with {} webhook events not delivered", left);
    }
  }

  @Override
  public void close() {
    if (thread != null) {
      thread.shutdownNow();
      httpThreads.shutdownNow();
    }
  }

  // ------------------------------------------------------------------ per app and endpoint

  private final class AppLines {
    final App app;
    final WebhookSettings settings;
    final List<Line> lines = new ArrayList<>();
    final AtomicInteger queued = new AtomicInteger();
    final Counter dropped;
    final Counter delivered;
    final Counter failed;
    final Counter retries;
    final Counter events;
    final ArrayDeque<ObjectNode> recent = new ArrayDeque<>(RECENT);

    AppLines(App app, MeterRegistry registry) {
      this.app = app;
      this.settings = app.webhooks();
      for (WebhookSettings.Endpoint e : settings.endpoints()) {
        lines.add(new Line(this, e));
      }
      String id = app.id();
      dropped = Counter.builder("beacon_webhook_dropped").tag("app", id)
          .description("Webhook events dropped: the app's webhook queue was full")
          .register(registry);
      delivered = Counter.builder("beacon_webhook_requests").tag("app", id).tag("outcome", "delivered")
          .description("Webhook requests answered 2xx, or given up").register(registry);
      failed = Counter.builder("beacon_webhook_requests").tag("app", id).tag("outcome", "failed")
          .description("Webhook requests answered 2xx, or given up").register(registry);
      retries = Counter.builder("beacon_webhook_retries").tag("app", id)
          .description("Webhook requests to be tried again (408, 429, 5xx, timeout, network)")
          .register(registry);
      events = Counter.builder("beacon_webhook_events").tag("app", id)
          .description("Webhook events delivered").register(registry);
      Gauge.builder("beacon_webhook_queue", queued, AtomicInteger::get).tag("app", id)
          .description("Webhook events waiting to be delivered (first attempts and retries)")
          .register(registry);
    }

    void record(Request r, String outcome, String answer) {
      ObjectNode n = NODES.objectNode();
      n.put("time", System.currentTimeMillis());
      n.put("url", r.line.endpoint.url());
      n.put("events", r.events.size());
      ArrayNode names = n.putArray("names");
      r.events.stream().map(WebhookEvent::name).distinct().forEach(names::add);
      n.put("attempts", r.attempts);
      n.put("outcome", outcome);
      n.put("answer", answer);
      synchronized (recent) {
        if (recent.size() == RECENT) {
          recent.removeFirst();
        }
        recent.addLast(n);
      }
    }
  }

  /** One endpoint's events in order; all but the inbox and the wake flag on the sender's thread. */
  private final class Line {
    final AppLines app;
    final WebhookSettings.Endpoint endpoint;
    final URI uri;
    final ConcurrentLinkedQueue<WebhookEvent> inbox = new ConcurrentLinkedQueue<>();
    final AtomicBoolean wake = new AtomicBoolean();
    final ArrayDeque<WebhookEvent> pending = new ArrayDeque<>();
    long batchStarted;
    ScheduledFuture<?> batchTimer;
    boolean inFlight;

    Line(AppLines app, WebhookSettings.Endpoint endpoint) {
      this.app = app;
      this.endpoint = endpoint;
      this.uri = URI.create(endpoint.url());
    }

    void drain() {
      wake.set(false);
      WebhookEvent e;
      while ((e = inbox.poll()) != null) {
        if (pending.isEmpty()) {
          batchStarted = System.nanoTime();
        }
        pending.addLast(e);
      }
      pump();
    }

    /** Sends the next request if none is in flight and one is due. */
    void pump() {
      if (inFlight || pending.isEmpty()) {
        return;
      }
      if (app.settings.batching() && pending.size() < BATCH_EVENTS) {
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - batchStarted);
        if (waited < BATCH_MILLIS) {
          if (batchTimer == null) {
            batchTimer = thread.schedule(() -> {
              batchTimer = null;
              pump();
            }, BATCH_MILLIS - waited, TimeUnit.MILLISECONDS);
          }
          return;
        }
      }
      if (batchTimer != null) {
        batchTimer.cancel(false);
        batchTimer = null;
      }
      int take = app.settings.batching() ? Math.min(BATCH_EVENTS, pending.size()) : 1;
      List<WebhookEvent> events = new ArrayList<>(take);
      for (int i = 0; i < take; i++) {
        events.add(pending.pollFirst());
      }
      // what is left waits from now, so a backlog goes out in full batches
      batchStarted = System.nanoTime();
      inFlight = true;
      attempt(new Request(this, events, System.currentTimeMillis()), true);
    }
  }

  /** One request: the same signed body on every attempt. */
  private static final class Request {
    final Line line;
    final List<WebhookEvent> events;
    final long firstAttempt;
    final WebhookBody body;
    int attempts;

    Request(Line line, List<WebhookEvent> events, long now) {
      this.line = line;
      this.events = events;
      this.firstAttempt = now;
      this.body = WebhookBody.of(now, events, line.app.app.secret());
    }
  }

  // ------------------------------------------------------------------ delivery

  private void attempt(Request r, boolean holdsLine) {
    r.attempts++;
    WebhookSettings s = r.line.app.settings;
    HttpRequest request;
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(r.line.uri)
          .timeout(Duration.ofMillis(s.timeoutMillis()))
          .POST(HttpRequest.BodyPublishers.ofByteArray(r.body.bytes()));
      for (Map.Entry<String, String> h : r.line.endpoint.headers().entrySet()) {
        if (!OWN_HEADERS.contains(h.getKey().toLowerCase(Locale.ROOT))) {
          b.header(h.getKey(), h.getValue());
        }
      }
      // set last, replacing any custom header of the same name
      b.setHeader("Content-Type", "application/json");
      b.setHeader("X-Pusher-Key", r.line.app.app.key());
      b.setHeader("X-Pusher-Signature", r.body.signature());
      request = b.build();
    } catch (IllegalArgumentException e) {
      settle(r, holdsLine, -1, "request refused by the HTTP client: " + e.getMessage());
      return;
    }
    client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
        // a guard in case the client's own timeout does not fire (a stalled connect)
        .orTimeout(s.timeoutMillis() + 1000, TimeUnit.MILLISECONDS)
        .whenComplete((response, error) -> {
          int status = response == null ? -1 : response.statusCode();
          String problem = error == null ? null : describe(error);
          try {
            thread.execute(() -> settle(r, holdsLine, status, problem));
          } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed
          }
        });
  }

  private void settle(Request r, boolean holdsLine, int status, String problem) {
    AppLines app = r.line.app;
    WebhookSettings s = app.settings;
    String answer = status > 0 ? "HTTP " + status : problem;
    boolean ok = status >= 200 && status < 300;
    boolean retryable = status < 0 || status == 408 || status == 429 || status >= 500;
    if (ok || !retryable) {
      finish(r, ok, answer);
    } else {
      long delay = Math.min(MAX_BACKOFF_MILLIS, s.firstRetryMillis() << Math.min(20, r.attempts - 1));
      long now = System.currentTimeMillis();
      if (now + delay - r.firstAttempt > s.retryForMillis()) {
        finish(r, false, answer + "; given up after " + r.attempts + " attempts");
      } else {
        app.retries.increment();
        app.record(r, "retrying", answer);
        thread.schedule(() -> attempt(r, false), delay, TimeUnit.MILLISECONDS);
      }
    }
    if (holdsLine) {
      r.line.inFlight = false;
      r.line.pump();
    }
  }

  private void finish(Request r, boolean delivered, String answer) {
    AppLines app = r.line.app;
    app.queued.addAndGet(-r.events.size());
    app.record(r, delivered ? "delivered" : "failed", answer);
    if (delivered) {
      app.delivered.increment();
      app.events.increment(r.events.size());
    } else {
      app.failed.increment();
      LOG.warn("webhook to {} failed ({} events): {}", r.line.endpoint.url(), r.events.size(), answer);
    }
  }

  private static String describe(Throwable error) {
    Throwable t = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
        ? error.getCause() : error;
    if (t instanceof java.net.http.HttpTimeoutException
        || t instanceof java.util.concurrent.TimeoutException) {
      return "no answer in time";
    }
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
  }
}
