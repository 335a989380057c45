package dev.beacon.server.functions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.core.console.DebugConsole;
import dev.beacon.core.functions.Caller;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.core.functions.Functions;
import dev.beacon.server.metrics.MicrometerMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs function calls where they belong: those that only touch memory on the calling event loop,
 * those that may block (the store) on a bounded worker pool whose queue, when full, refuses calls
 * with an OVERLOADED error instead of growing. Results come back on the caller's context.
 */
public final class FunctionRunner implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(FunctionRunner.class);

  private final Functions functions;
  private final ThreadPoolExecutor workers;
  private final MicrometerMetrics metrics;
  private final DebugConsole console;

  /** @param console hears of every call, with its caller and outcome */
  public FunctionRunner(Functions functions, int threads, int queue, MicrometerMetrics metrics,
      DebugConsole console) {
    this.functions = functions;
    this.metrics = metrics;
    this.console = console;
    AtomicInteger n = new AtomicInteger();
    this.workers = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(queue), r -> {
          Thread t = new Thread(r, "beacon-functions-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    io.micrometer.core.instrument.Gauge.builder("beacon_function_queue", workers,
        w -> w.getQueue().size()).description("Function calls waiting for a worker thread")
        .register(metrics.registry());
  }

  public Functions functions() {
    return functions;
  }

  /**
   * Calls a resolved function for a caller, on the right thread, completing on {@code context}.
   * A call that waits for the cluster (a rate limit counted in Redis) runs again on the same
   * kind of thread once it is admitted, never blocking one ({@link Functions#invoke(
   * FunctionDefinition, Caller, JsonNode, java.util.Optional, java.util.concurrent.Executor,
   * java.util.function.BiConsumer)}).
   */
  public Future<Functions.Result> run(Context context, FunctionDefinition def, Caller caller, JsonNode args) {
    long start = System.nanoTime();
    boolean blocking = def.blocking(caller.app(), args);
    Promise<Functions.Result> promise = Promise.promise();
    java.util.function.BiConsumer<Functions.Result, RuntimeException> done = (result, e) -> {
      if (e == null) {
        record(caller, def, "success", start);
      } else {
        record(caller, def, outcome(e), start);
        if (!(e instanceof FunctionException) && blocking) {
          LOG.error("{} failed", def.path(), e);
        }
      }
      if (io.vertx.core.Vertx.currentContext() == context) {
        complete(promise, result, e);
      } else {
        context.runOnContext(v -> complete(promise, result, e));
      }
    };
    if (!blocking) {
      functions.invoke(def, caller, args, java.util.Optional.empty(),
          r -> context.runOnContext(v -> r.run()), done);
      return promise.future();
    }
    try {
      workers.execute(() -> functions.invoke(def, caller, args, java.util.Optional.empty(),
          workers, done));
    } catch (RejectedExecutionException e) {
      record(caller, def, "overloaded", start);
      return Future.failedFuture(FunctionException.overloaded(
          "the server has " + workers.getQueue().size() + " calls waiting; try again shortly"));
    }
    return promise.future();
  }

  private static void complete(Promise<Functions.Result> promise, Functions.Result result,
      RuntimeException e) {
    if (e == null) {
      promise.complete(result);
    } else {
      promise.fail(e);
    }
  }

  private static String outcome(RuntimeException e) {
    return e instanceof FunctionException f ? f.code().toLowerCase(java.util.Locale.ROOT) : "error";
  }

  private void record(Caller caller, FunctionDefinition def, String outcome, long start) {
    long nanos = System.nanoTime() - start;
    metrics.functionCall(caller.app().id(), def.path(), outcome, nanos);
    console.functionCall(caller.app().id(), def.path(), caller, outcome, nanos);
  }

  /**
   * A call refused before it could run (its credentials, or a function that does not exist): the
   * console hears it as an error (401 for credentials, 400 otherwise).
   */
  public void refused(String path, FunctionException e) {
    boolean credentials = e.code().equals("UNAUTHENTICATED") || e.code().equals("FORBIDDEN");
    console.error("", java.util.Optional.empty(), credentials ? 401 : 400,
        "function " + path + " refused (" + e.code().toLowerCase(java.util.Locale.ROOT) + "): "
        + e.getMessage());
  }

  /** The worker pool, for blocking work of the functions' own (retention). */
  public java.util.concurrent.Executor workers() {
    return workers;
  }

  @Override
  public void close() {
    workers.shutdown();
  }
}
