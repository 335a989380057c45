package dev.beacon.core.push;

import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends what the outbox holds, on its own thread, never on an event loop: claims due pushes (a
 * claim lasts {@code leaseMillis}, so a node that dies mid-send leaves them to be sent again,
 * at least once), hands them to the {@link PushSender} with at most {@code maxInFlight} sends
 * outstanding, and settles each answer on {@code settle}: delivered pushes are deleted, refused
 * ones dropped, dead devices removed, the rest tried again with exponential backoff (or after the
 * service's {@code Retry-After}) until the push's TTL runs out. A send with no answer within
 * {@code sendTimeoutMillis} counts as a failure to retry, so a service that hangs holds neither
 * a permit nor the claim (the lease is longer than the timeout: the claim is released by the
 * retry, not by lapsing). It sleeps until the next push is due or it is woken by a new one.
 */
public final class PushDispatcher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PushDispatcher.class);
  static final long FIRST_RETRY_MILLIS = 1_000;
  static final long MAX_RETRY_MILLIS = 10 * 60_000;
  /** Longest sleep with nothing due: a push stored by another node is found within this. */
  static final long IDLE_MILLIS = 2_000;

  private final Apps apps;
  private final PushStore store;
  private final PushSender sender;
  private final PushMetrics metrics;
  private final Clock clock;
  private final Executor settle;
  private final int maxInFlight;
  private final long leaseMillis;
  private final long sendTimeoutMillis;
  private final Semaphore permits;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Object signal = new Object();
  private boolean woken;
  private volatile boolean running;
  private volatile long pending;
  private Thread thread;

  /**
   * @param settle runs the store writes that follow an answer (blocking); needs no more than
   *     {@code maxInFlight} queued tasks
   * @param leaseMillis how long a claim lasts; longer than {@code sendTimeoutMillis}
   * @param sendTimeoutMillis how long a send may wait for its service's answer
   */
  public PushDispatcher(Apps apps, PushStore store, PushSender sender, PushMetrics metrics,
      Clock clock, Executor settle, int maxInFlight, long leaseMillis, long sendTimeoutMillis) {
    if (leaseMillis <= sendTimeoutMillis) {
      throw new IllegalArgumentException("the claim (" + leaseMillis + " ms) must outlast a send's "
          + "timeout (" + sendTimeoutMillis + " ms)");
    }
    this.apps = apps;
    this.store = store;
    this.sender = sender;
    this.metrics = metrics;
    this.clock = clock;
    this.settle = settle;
    this.maxInFlight = maxInFlight;
    this.leaseMillis = leaseMillis;
    this.sendTimeoutMillis = sendTimeoutMillis;
    this.permits = new Semaphore(maxInFlight);
  }

  /** Starts the sending thread. */
  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    thread = new Thread(this::loop, "beacon-push");
    thread.setDaemon(true);
    thread.start();
  }

  /** Something was stored or settled: look at the outbox now. */
  public void wake() {
    synchronized (signal) {
      woken = true;
      signal.notifyAll();
    }
  }

  /** Pushes in the outbox at the last look (the queue depth). */
  public long pending() {
    return pending;
  }

  /** Sends waiting for an answer. */
  public int inFlight() {
    return inFlight.get();
  }

  private void loop() {
    while (running) {
      long wait;
      try {
        int claimed = dispatchDue();
        pending = store.pending();
        long now = clock.millis();
        if (claimed > 0 && permits.availablePermits() > 0) {
          continue; // there may be more due
        }
        Optional<Long> next = store.nextDue(now);
        wait = permits.availablePermits() == 0 ? IDLE_MILLIS
            : Math.min(IDLE_MILLIS, Math.max(1, next.orElse(Long.MAX_VALUE) - now));
      } catch (RuntimeException e) {
        LOG.warn("push outbox: {}", e.toString());
        wait = IDLE_MILLIS;
      }
      await(wait);
    }
  }

  private void await(long millis) {
    synchronized (signal) {
      if (!woken && running) {
        try {
          signal.wait(millis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          running = false;
        }
      }
      woken = false;
    }
  }

  /** Claims and starts sending what is due now; returns how many. */
  int dispatchDue() {
    int free = permits.availablePermits();
    if (free == 0) {
      return 0;
    }
    long now = clock.millis();
    List<OutboxEntry> due = store.claimDue(now, Math.min(free, 100), now + leaseMillis);
    for (OutboxEntry entry : due) {
      permits.acquireUninterruptibly();
      inFlight.incrementAndGet();
      send(entry, now);
    }
    return due.size();
  }

  private void send(OutboxEntry entry, long now) {
    Optional<App> app = apps.byId(entry.appId());
    CompletableFuture<Delivery> answer;
    if (app.isEmpty()) {
      answer = CompletableFuture.completedFuture(new Delivery.Rejected("app not configured"));
    } else if (now >= entry.expiresAt()) {
      answer = CompletableFuture.completedFuture(new Delivery.Rejected("expired"));
    } else {
      try {
        answer = sender.send(app.get(), entry).copy()
            .orTimeout(sendTimeoutMillis, TimeUnit.MILLISECONDS);
      } catch (RuntimeException e) {
        answer = CompletableFuture.completedFuture(Delivery.retry(e.toString()));
      }
    }
    answer.whenCompleteAsync((delivery, error) -> {
      try {
        settle(entry, error == null ? delivery : Delivery.retry(
            unwrap(error) instanceof TimeoutException ? "no answer within "
                + sendTimeoutMillis + " ms" : error.toString()));
      } catch (RuntimeException e) {
        // the claim lapses and the push is tried again
        LOG.warn("push {} to device {}: cannot record the answer: {}", entry.messageId(),
            entry.device().id(), e.toString());
      } finally {
        inFlight.decrementAndGet();
        permits.release();
        wake();
      }
    }, settle);
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof java.util.concurrent.CompletionException && error.getCause() != null
        ? error.getCause() : error;
  }

  private void settle(OutboxEntry entry, Delivery delivery) {
    DeviceKind kind = entry.device().kind();
    if (delivery instanceof Delivery.Delivered) {
      store.delivered(entry);
      metrics.sent(entry.appId(), kind);
    } else if (delivery instanceof Delivery.Gone g) {
      store.removeDevice(entry.appId(), entry.device().id());
      metrics.removed(entry.appId(), kind);
      LOG.info("push: removed dead {} device {} of user '{}' ({})", kind.wireName(),
          entry.device().id(), entry.device().userId(), g.reason());
    } else if (delivery instanceof Delivery.Rejected r) {
      store.drop(entry);
      metrics.failed(entry.appId(), kind, r.reason().equals("expired") ? "expired" : "rejected");
      LOG.warn("push {} to {} device {} given up: {}", entry.messageId(), kind.wireName(),
          entry.device().id(), r.reason());
    } else if (delivery instanceof Delivery.Retry r) {
      long now = clock.millis();
      long at = now + Math.max(r.afterMillis().orElse(0), backoff(entry.attempts()));
      if (at >= entry.expiresAt()) {
        store.drop(entry);
        metrics.failed(entry.appId(), kind, "expired");
        LOG.warn("push {} to {} device {} given up after {} attempts: {}", entry.messageId(),
            kind.wireName(), entry.device().id(), entry.attempts() + 1, r.reason());
      } else {
        store.retryAt(entry, at);
        metrics.retried(entry.appId(), kind, r.reason());
      }
    }
  }

  /** 1 s, 2 s, 4 s ... up to 10 minutes, less up to a fifth at random so retries spread. */
  static long backoff(int attempts) {
    long base = Math.min(MAX_RETRY_MILLIS, FIRST_RETRY_MILLIS << Math.min(attempts, 20));
    return base - ThreadLocalRandom.current().nextLong(base / 5 + 1);
  }

  @Override
  public void close() {
    running = false;
    wake();
    Thread t = thread;
    if (t != null) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
