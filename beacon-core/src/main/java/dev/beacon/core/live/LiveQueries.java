package dev.beacon.core.live;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.core.functions.Caller;
import dev.beacon.core.functions.Changes;
import dev.beacon.core.functions.DependencyKey;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.core.functions.Functions;
import dev.beacon.core.functions.SharedReads;
import dev.beacon.protocol.json.Json;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live-query engine. Subscriptions to the same (function, arguments, caller) share one
 * {@link LiveQuery} and one evaluation. Each evaluation records the dependency keys it read; a
 * {@link #changed change} of any of them marks the query dirty, and dirty queries are re-run in
 * rounds: changes arriving close together coalesce into one round, and a query is re-run once
 * per round however many of its keys changed. Only results that differ from the last one are
 * passed to the query's watchers.
 *
 * <p>The engine's state is confined to one thread (its executor); evaluations that may block run
 * on the worker pool and report back. {@link #whenSettled} runs a task once every change reported
 * so far has been evaluated and passed on, which is how a mutation's caller is given a transition
 * that includes the mutation's own effects.
 */
public final class LiveQueries implements Changes {

  private static final Logger LOG = LoggerFactory.getLogger(LiveQueries.class);

  /** Receives a live query's results; called on the engine's thread, so it must only hand off. */
  public interface Watcher {
    void updated(LiveQuery query, QueryResult result);
  }

  private final Functions functions;
  private final Executor engine;
  private final Executor workers;
  private final Map<String, LiveQuery> queries = new HashMap<>();
  private final Map<DependencyKey, Set<LiveQuery>> byKey = new HashMap<>();
  private Set<LiveQuery> dirty = new LinkedHashSet<>();
  private List<Runnable> nextRoundWaiters = new ArrayList<>();
  private List<Runnable> roundWaiters = new ArrayList<>();
  private boolean roundScheduled;
  private boolean roundRunning;
  private int outstanding;
  /**
   * Keys changed since the running round began: an evaluation on a worker may read a key it did
   * not read before (so is not indexed under it yet) just before that key changes; it is re-run.
   */
  private final Set<DependencyKey> changedThisRound = new HashSet<>();
  /** The results of the running round by the identity of their value (see {@link #encoded}). */
  private final Map<JsonNode, QueryResult> roundResults = new java.util.IdentityHashMap<>();
  /** Evaluations the worker pool refused this round (it is full): retried after a pause. */
  private boolean refusedThisRound;
  private final AtomicLong evaluations = new AtomicLong();
  private final AtomicLong refusals = new AtomicLong();
  private final Executor retryLater;

  /**
   * @param engine a single-threaded executor that owns the engine's state
   * @param workers where evaluations that may block run
   */
  public LiveQueries(Functions functions, Executor engine, Executor workers) {
    this.functions = functions;
    this.engine = engine;
    this.workers = workers;
    this.retryLater = java.util.concurrent.CompletableFuture.delayedExecutor(
        RETRY_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS, engine);
  }

  /** The pause before evaluations the worker pool refused are tried again. */
  static final long RETRY_MILLIS = 50;

  /** One shared subscription target. */
  public final class LiveQuery {
    final String key;
    final FunctionDefinition def;
    final Caller caller;
    final JsonNode args;
    final Set<Watcher> watchers = new LinkedHashSet<>();
    /** Watchers that joined while an evaluation was due, and wait for their first result. */
    final Set<Watcher> awaitingFirst = new LinkedHashSet<>();
    Set<DependencyKey> reads = Set.of();
    QueryResult last;
    boolean evaluating;
    /** The arguments evaluations use: {@link #args}, with a paginated page's end once pinned. */
    volatile JsonNode evaluatedArgs;

    LiveQuery(String key, FunctionDefinition def, Caller caller, JsonNode args) {
      this.key = key;
      this.def = def;
      this.caller = caller;
      this.args = args;
      this.evaluatedArgs = args;
    }

    public FunctionDefinition definition() {
      return def;
    }
  }

  /**
   * Subscribes a watcher to a query; it is sent the current result (after a first evaluation if
   * there is none yet). Safe from any thread.
   *
   * @return the shared query's key, to unsubscribe with
   */
  public String subscribe(FunctionDefinition def, Caller caller, JsonNode args, Watcher watcher) {
    String key = key(def, caller, args);
    engine.execute(() -> {
      LiveQuery q = queries.computeIfAbsent(key, k -> new LiveQuery(k, def, caller, args));
      q.watchers.add(watcher);
      if (q.last != null && !dirty.contains(q) && !q.evaluating) {
        watcher.updated(q, q.last);
      } else {
        q.awaitingFirst.add(watcher);
        markDirty(q);
      }
    });
    return key;
  }

  /** Stops a watcher of the query {@code key}; a query nobody watches is forgotten. */
  public void unsubscribe(String key, Watcher watcher) {
    engine.execute(() -> {
      LiveQuery query = queries.get(key);
      if (query == null) {
        return;
      }
      query.watchers.remove(watcher);
      query.awaitingFirst.remove(watcher);
      if (query.watchers.isEmpty() && queries.get(query.key) == query) {
        queries.remove(query.key);
        index(query, Set.of());
        dirty.remove(query);
      }
    });
  }

  @Override
  public void changed(Collection<DependencyKey> keys) {
    List<DependencyKey> copy = List.copyOf(keys);
    engine.execute(() -> {
      for (DependencyKey k : copy) {
        if (roundRunning) {
          changedThisRound.add(k);
        }
        Set<LiveQuery> affected = byKey.get(k);
        if (affected != null) {
          for (LiveQuery q : affected) {
            markDirty(q);
          }
        }
      }
    });
  }

  /** Runs {@code task} once every change reported before this call has been passed on. */
  public void whenSettled(Runnable task) {
    engine.execute(() -> {
      if (!dirty.isEmpty()) {
        nextRoundWaiters.add(task);
      } else if (roundRunning) {
        roundWaiters.add(task);
      } else {
        task.run();
      }
    });
  }

  /** Live queries being watched (for metrics). Approximate when read off the engine thread. */
  public int size() {
    return queries.size();
  }

  /** Evaluations run since start. */
  public long evaluations() {
    return evaluations.get();
  }

  /** Evaluations the worker pool refused (each was tried again later). */
  public long refusals() {
    return refusals.get();
  }

  // ------------------------------------------------------------------ rounds (engine thread)

  private void markDirty(LiveQuery q) {
    if (!queries.containsKey(q.key) || queries.get(q.key) != q) {
      return;
    }
    dirty.add(q);
    if (!roundScheduled && !roundRunning) {
      roundScheduled = true;
      engine.execute(this::round);
    }
  }

  private void round() {
    roundScheduled = false;
    if (roundRunning || dirty.isEmpty()) {
      return;
    }
    roundRunning = true;
    Set<LiveQuery> batch = dirty;
    dirty = new LinkedHashSet<>();
    roundWaiters = nextRoundWaiters;
    nextRoundWaiters = new ArrayList<>();
    outstanding = batch.size();
    // what the round's evaluations read alike (a conversation's page for each of its watchers)
    // is read once, and a value they share is encoded once
    SharedReads shared = SharedReads.round();
    List<LiveQuery> blocking = new ArrayList<>();
    for (LiveQuery q : batch) {
      q.evaluating = true;
      evaluations.incrementAndGet();
      if (q.def.blocking(q.caller.app())) {
        blocking.add(q);
      } else {
        complete(q, run(q, shared));
      }
    }
    // the evaluations that may block go to the workers a group at a time (the watchers of one
    // conversation are next to each other, and share its reads): a round of a thousand watchers
    // is a few dozen hand-offs to the pool and back, not a thousand of each
    for (int from = 0; from < blocking.size(); from += EVALUATIONS_PER_TASK) {
      List<LiveQuery> group = blocking.subList(from,
          Math.min(blocking.size(), from + EVALUATIONS_PER_TASK));
      try {
        workers.execute(() -> {
          Functions.Evaluation[] results = new Functions.Evaluation[group.size()];
          for (int i = 0; i < results.length; i++) {
            results[i] = run(group.get(i), shared);
          }
          engine.execute(() -> {
            for (int i = 0; i < results.length; i++) {
              complete(group.get(i), results[i]);
            }
          });
        });
      } catch (java.util.concurrent.RejectedExecutionException full) {
        // the pool is full (HTTP calls, other evaluations): keep the queries due and try again
        // after a pause, rather than fail their watchers or spin
        for (LiveQuery q : group) {
          refusals.incrementAndGet();
          refusedThisRound = true;
          q.evaluating = false;
          dirty.add(q);
          done();
        }
      }
    }
  }

  /**
   * The most evaluations that may block run in one task on the worker pool, one after the other;
   * a round with more is spread over several tasks (and so over the pool's threads).
   */
  static final int EVALUATIONS_PER_TASK = 16;

  private Functions.Evaluation run(LiveQuery q, SharedReads shared) {
    try {
      return functions.evaluate(q.def, q.caller, q.evaluatedArgs, shared);
    } catch (RuntimeException e) {
      LOG.error("live query {} failed", q.def.path(), e);
      return new Functions.Evaluation(com.fasterxml.jackson.databind.node.NullNode.getInstance(),
          java.util.Optional.of(new dev.beacon.core.functions.FunctionException.Internal()), Set.of());
    }
  }

  private void complete(LiveQuery q, Functions.Evaluation e) {
    q.evaluating = false;
    if (queries.get(q.key) == q) {
      index(q, e.reads());
      for (DependencyKey k : e.reads()) {
        if (changedThisRound.contains(k)) {
          markDirty(q); // it may have read the key before this change: run it again
          break;
        }
      }
      QueryResult result = e.failed() ? QueryResult.failure(e.error().get()) : encoded(e.value());
      if (q.evaluatedArgs == q.args && !e.failed()) {
        pinPageEnd(q, e.value());
      }
      if (!result.sameAs(q.last)) {
        q.last = result;
        q.awaitingFirst.clear();
        for (Watcher w : List.copyOf(q.watchers)) {
          w.updated(q, result);
        }
      } else if (!q.awaitingFirst.isEmpty()) {
        // unchanged for those who have it; new watchers still need a first result
        List<Watcher> waiting = List.copyOf(q.awaitingFirst);
        q.awaitingFirst.clear();
        for (Watcher w : waiting) {
          w.updated(q, result);
        }
      }
    }
    done();
  }

  /**
   * A page of a paginated query ({@code paginationOpts} without an {@code endCursor}) keeps, from
   * its first result that has a next page on, the end that result had (where the next page
   * starts), as Convex's query journal keeps it: items added
   * inside it make the page grow, and the next page (which starts at that end) loses nothing.
   * Without it, an item added to the first page would push its last item out of every page.
   */
  private static void pinPageEnd(LiveQuery q, JsonNode value) {
    JsonNode opts = q.args.get(dev.beacon.core.functions.PageRequest.OPTIONS);
    if (opts == null || !opts.isObject() || opts.hasNonNull("endCursor") || !value.isObject()
        || value.path("isDone").asBoolean(true) || !value.path("continueCursor").isTextual()) {
      return;
    }
    com.fasterxml.jackson.databind.node.ObjectNode pinned =
        ((com.fasterxml.jackson.databind.node.ObjectNode) q.args).deepCopy();
    ((com.fasterxml.jackson.databind.node.ObjectNode) pinned.get(dev.beacon.core.functions.PageRequest.OPTIONS))
        .put("endCursor", value.get("continueCursor").textValue());
    q.evaluatedArgs = pinned;
  }

  /**
   * The result of a successful evaluation; evaluations of the round that returned the same value
   * (a shared read's) share one result, encoded once.
   */
  private QueryResult encoded(JsonNode value) {
    QueryResult r = roundResults.get(value);
    if (r == null) {
      r = QueryResult.success(value);
      roundResults.put(value, r);
    }
    return r;
  }

  private void done() {
    if (--outstanding > 0) {
      return;
    }
    roundRunning = false;
    roundResults.clear();
    changedThisRound.clear();
    List<Runnable> waiters = roundWaiters;
    roundWaiters = new ArrayList<>();
    if (refusedThisRound) {
      // not settled: a refused query has yet to show the changes these waiters wait for
      nextRoundWaiters.addAll(0, waiters);
    } else {
      for (Runnable w : waiters) {
        w.run();
      }
    }
    if (!dirty.isEmpty()) {
      roundScheduled = true;
      if (refusedThisRound) {
        refusedThisRound = false;
        retryLater.execute(this::round);
      } else {
        engine.execute(this::round);
      }
    } else if (!nextRoundWaiters.isEmpty()) {
      List<Runnable> next = nextRoundWaiters;
      nextRoundWaiters = new ArrayList<>();
      next.forEach(Runnable::run);
    }
  }

  private void index(LiveQuery q, Set<DependencyKey> reads) {
    if (q.reads.equals(reads) && queries.get(q.key) == q) {
      // the usual case: the same keys as last time. The set kept is not replaced, so a live query
      // keeps no new objects between changes (each would be copied by the next young collection)
      return;
    }
    for (DependencyKey k : q.reads) {
      if (!reads.contains(k)) {
        Set<LiveQuery> set = byKey.get(k);
        if (set != null) {
          set.remove(q);
          if (set.isEmpty()) {
            byKey.remove(k);
          }
        }
      }
    }
    if (queries.get(q.key) == q) {
      for (DependencyKey k : reads) {
        byKey.computeIfAbsent(k, x -> new HashSet<>()).add(q);
      }
      q.reads = Set.copyOf(reads);
    } else {
      q.reads = Set.of();
    }
  }

  static String key(FunctionDefinition def, Caller caller, JsonNode args) {
    return def.path() + '\u0000' + Json.write(args) + '\u0000' + caller.app().id() + '\u0000'
        + (caller.trusted() ? "*" : caller.userId().orElse(""));
  }
}
