package dev.beacon.server.auth;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.net.URL;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An app's JWKS, fetched only on a background thread, so verifying a token never waits for the
 * network (tokens are verified on event loops). The key set is fetched at start, refreshed every
 * {@code refreshMillis}, and fetched again soon after a token names a key the set does not hold
 * (a key rotation), at most once per {@code missRefreshMillis}. Until that fetch lands, such a
 * token is refused like any token without a matching key; the client's next try passes. A fetch
 * that fails keeps the last good set.
 *
 * <p>Identity providers publish a new key before they sign with it, so with a periodic refresh
 * the refused-once case is rare.
 */
final class BackgroundJwkSource implements JWKSource<SecurityContext> {

  private static final Logger LOG = LoggerFactory.getLogger(BackgroundJwkSource.class);
  private static final int CONNECT_TIMEOUT_MS = 2_000;
  private static final int READ_TIMEOUT_MS = 5_000;
  private static final int SIZE_LIMIT_BYTES = 512 * 1024;

  private final URL url;
  private final ScheduledExecutorService fetcher;
  private final long missRefreshMillis;
  private final LongSupplier nanoTime;
  private final AtomicReference<JWKSet> keys = new AtomicReference<>(new JWKSet());
  private final AtomicBoolean fetching = new AtomicBoolean();
  private final AtomicLong lastMissFetchNanos = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong fetches = new AtomicLong();

  BackgroundJwkSource(URL url, ScheduledExecutorService fetcher, long refreshMillis,
      long missRefreshMillis, LongSupplier nanoTime) {
    this.url = url;
    this.fetcher = fetcher;
    this.missRefreshMillis = missRefreshMillis;
    this.nanoTime = nanoTime;
    fetcher.scheduleWithFixedDelay(this::fetchNow, 0, refreshMillis, TimeUnit.MILLISECONDS);
  }

  /** The keys the selector matches in the set fetched last; never blocks. */
  @Override
  public List<JWK> get(JWKSelector selector, SecurityContext context) {
    List<JWK> found = selector.select(keys.get());
    if (found.isEmpty()) {
      fetchSoon();
    }
    return found;
  }

  /** Completed fetches, successful or not (for tests). */
  long fetches() {
    return fetches.get();
  }

  private void fetchSoon() {
    long now = nanoTime.getAsLong();
    long last = lastMissFetchNanos.get();
    if (last != Long.MIN_VALUE && now - last < TimeUnit.MILLISECONDS.toNanos(missRefreshMillis)) {
      return;
    }
    if (lastMissFetchNanos.compareAndSet(last, now)) {
      try {
        fetcher.execute(this::fetchNow);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // shutting down
      }
    }
  }

  private void fetchNow() {
    if (!fetching.compareAndSet(false, true)) {
      return;
    }
    try {
      JWKSet set = JWKSet.load(url, CONNECT_TIMEOUT_MS, READ_TIMEOUT_MS, SIZE_LIMIT_BYTES);
      keys.set(set);
    } catch (Exception | LinkageError | AssertionError e) {
      // never let one bad fetch end the periodic refresh (an escaping throwable would cancel it)
      LOG.warn("could not fetch the JWKS at {} (keeping the {} keys fetched before): {}", url,
          keys.get().size(), e.toString());
    } finally {
      fetching.set(false);
      fetches.incrementAndGet();
    }
  }
}
