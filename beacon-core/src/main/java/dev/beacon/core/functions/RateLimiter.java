package dev.beacon.core.functions;

import dev.beacon.core.time.ExpiryScheduler;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-user token buckets for calls that clients repeat (heartbeats, typing, messages): up to
 * {@code rate} calls at once, refilled at {@code rate} per second. A bucket idle for a minute is
 * dropped by its own timer, so the map holds only active users.
 *
 * <p>In a cluster ({@link #cluster}) the bucket that decides is the cluster's (one per app, limit
 * and user, in Redis), so a user whose calls a load balancer spreads over {@code n} nodes gets
 * the same limit as on one node. A function body cannot wait for Redis, so a call runs in passes
 * ({@link Functions#invoke(FunctionDefinition, Caller, com.fasterxml.jackson.databind.JsonNode,
 * java.util.Optional, java.util.concurrent.Executor, java.util.function.BiConsumer)}): the
 * node's own bucket is checked first (a call it refuses the cluster's would refuse too, with no
 * Redis round trip: a flood stays on the node); a call it lets through stops at the limit with
 * {@link Admission}, the cluster's bucket is asked without blocking, and the call runs again
 * with the token granted (or fails RATE_LIMITED, its local token given back). While Redis cannot
 * answer (unreachable, or no answer within the cluster's short wait), the node's own bucket
 * decides alone: a limit protects the server, and refusing every heartbeat while Redis is away
 * would take every user offline.
 */
public final class RateLimiter {

  private static final long IDLE_MILLIS = 60_000;

  private final ExpiryScheduler expiry;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
  private volatile Cluster cluster;

  public RateLimiter(ExpiryScheduler expiry) {
    this.expiry = expiry;
  }

  /** The cluster's buckets (in Redis). */
  public interface Cluster {

    /**
     * Takes a token from the cluster's bucket of {@code userId}'s {@code limit} in the app, at a
     * rate of {@code perSecond}: completes with whether there was one, or fails when the cluster
     * cannot answer (soon: it never holds a call long).
     */
    java.util.concurrent.CompletionStage<Boolean> take(String appId, String limit, String userId,
        int perSecond);
  }

  /** Counts every limit in the cluster's buckets from now on; set once, before serving. */
  public void cluster(Cluster cluster) {
    this.cluster = cluster;
  }

  /**
   * Takes a token of {@code userId}'s {@code limit} (a name: {@code heartbeat}, {@code typing}
   * ...) in the call's app, at a rate of {@code perSecond}.
   *
   * @throws FunctionException RATE_LIMITED when the bucket is empty
   * @throws Admission in a cluster, when the cluster's bucket must be asked first
   */
  public void acquire(Call call, String limit, String userId, int perSecond, String what) {
    String key = call.appId() + '\u0000' + limit + '\u0000' + userId;
    if (call.useAdmission(key)) {
      return; // the cluster granted it before this run (the local token was taken then)
    }
    long now = call.now();
    Bucket bucket = buckets.computeIfAbsent(key, k -> {
      Bucket b = new Bucket(perSecond, now);
      scheduleCleanup(k, b, now);
      return b;
    });
    if (!bucket.tryTake(perSecond, now)) {
      throw refusal(what, perSecond);
    }
    Cluster c = cluster;
    if (c != null) {
      throw new Admission(c, bucket, call.appId(), limit, userId, key, perSecond, what);
    }
  }

  private static FunctionException refusal(String what, int perSecond) {
    return FunctionException.rateLimited(what + " at most " + perSecond + " times per second");
  }

  /**
   * A call the node's own bucket let through stops here until the cluster's bucket is asked
   * ({@link #ask}); not an error. Carries no stack trace.
   */
  public static final class Admission extends RuntimeException {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Admission.class);
    private static final java.util.concurrent.atomic.AtomicLong LAST_LOG =
        new java.util.concurrent.atomic.AtomicLong();

    private final transient Cluster cluster;
    private final transient Bucket bucket;
    private final String appId;
    private final String limit;
    private final String userId;
    private final String key;
    private final int perSecond;
    private final String what;

    Admission(Cluster cluster, Bucket bucket, String appId, String limit, String userId,
        String key, int perSecond, String what) {
      super("waiting for the cluster's rate limit of " + key, null, false, false);
      this.cluster = cluster;
      this.bucket = bucket;
      this.appId = appId;
      this.limit = limit;
      this.userId = userId;
      this.key = key;
      this.perSecond = perSecond;
      this.what = what;
    }

    /** The bucket's key, as {@link Call} counts granted tokens. */
    String key() {
      return key;
    }

    /**
     * Asks the cluster's bucket: completes with true when the call may run (the cluster granted
     * the token, or could not answer and the node's own bucket decided), false when it is
     * refused (the node's token is given back: it was not spent). Never fails.
     */
    java.util.concurrent.CompletionStage<Boolean> ask() {
      java.util.concurrent.CompletableFuture<Boolean> out = new java.util.concurrent.CompletableFuture<>();
      java.util.concurrent.CompletionStage<Boolean> asked;
      try {
        asked = cluster.take(appId, limit, userId, perSecond);
      } catch (RuntimeException e) {
        asked = java.util.concurrent.CompletableFuture.failedFuture(e);
      }
      asked.whenComplete((granted, e) -> {
        if (e != null) {
          long now = System.currentTimeMillis();
          long last = LAST_LOG.get();
          if (now - last > 5000 && LAST_LOG.compareAndSet(last, now)) {
            LOG.warn("rate limits are counted by this node alone while the cluster cannot "
                + "answer: {}", e.getMessage());
          }
          out.complete(true);
        } else if (Boolean.TRUE.equals(granted)) {
          out.complete(true);
        } else {
          bucket.giveBack(perSecond);
          out.complete(false);
        }
      });
      return out;
    }

    /** The call's failure when the cluster refused it. */
    FunctionException refused() {
      return refusal(what, perSecond);
    }
  }

  private void scheduleCleanup(String key, Bucket bucket, long from) {
    expiry.schedule(from + IDLE_MILLIS, () -> {
      long last = bucket.lastUsed();
      if (last + IDLE_MILLIS <= expiry.clock().millis()) {
        buckets.remove(key, bucket);
      } else {
        scheduleCleanup(key, bucket, last);
      }
    });
  }

  int size() {
    return buckets.size();
  }

  private static final class Bucket {
    private double tokens;
    private long last;

    Bucket(int capacity, long now) {
      this.tokens = capacity;
      this.last = now;
    }

    synchronized boolean tryTake(int rate, long now) {
      if (now > last) {
        tokens = Math.min(rate, tokens + (now - last) * rate / 1000.0);
        last = now;
      }
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      return false;
    }

    synchronized void giveBack(int rate) {
      tokens = Math.min(rate, tokens + 1);
    }

    synchronized long lastUsed() {
      return last;
    }
  }
}
