package dev.beacon.server.transport;

import dev.beacon.core.hub.LaneExecutor;
import io.vertx.core.Context;

/**
 * A lane's executor, bound to its event loop's context once the verticle serving that loop has
 * started (the lanes must exist before the verticles that run them).
 */
public final class BoundExecutor implements LaneExecutor {

  private volatile Context context;

  void bind(Context context) {
    if (this.context != null) {
      throw new IllegalStateException("lane already bound to " + this.context);
    }
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
}
