package dev.beacon.server.transport;

import dev.beacon.core.hub.LaneExecutor;
import io.vertx.core.Context;

/**
 * A lane's executor, bound to its event loop's context once the verticle serving that loop has
 * started (the lanes must exist before the verticles that run them).
 */
public final class BoundExecutor implements LaneExecutor {

  private volatile Context context;
  /** The event loop's thread: an event-loop context runs all its tasks on one thread. */
  private volatile Thread thread;

  /** Binds the lane to the event loop of {@code context}; called on that event loop. */
  void bind(Context context) {
    if (this.context != null) {
      throw new IllegalStateException("lane already bound to " + this.context);
    }
    if (!context.isEventLoopContext() || !Context.isOnEventLoopThread()) {
      throw new IllegalStateException("a lane must be bound on its event loop's thread");
    }
    this.thread = Thread.currentThread();
    this.context = context;
  }

  @Override
  public void execute(Runnable task) {
    Context c = context;
    if (c == null) {
      throw new IllegalStateException("lane used before its event loop started");
    }
    c.runOnContext(v -> task.run());
  }

  @Override
  public boolean inExecutorThread() {
    return Thread.currentThread() == thread;
  }

  @Override
  public String toString() {
    Thread t = thread;
    return t == null ? "unbound event loop" : "event loop " + t.getName();
  }
}
