package dev.beacon.core.hub;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** A lane executor with a thread of its own, for tests whose lanes run side by side. */
public final class ThreadedLaneExecutor implements LaneExecutor, AutoCloseable {

  private final ExecutorService service;
  private volatile Thread thread;

  public ThreadedLaneExecutor(String name) {
    this.service = Executors.newSingleThreadExecutor(task -> {
      Thread t = new Thread(task, name);
      t.setDaemon(true);
      thread = t;
      return t;
    });
  }

  @Override
  public void execute(Runnable task) {
    service.execute(task);
  }

  @Override
  public boolean inExecutorThread() {
    return Thread.currentThread() == thread;
  }

  @Override
  public void close() {
    service.shutdownNow();
  }

  @Override
  public String toString() {
    return "executor " + service;
  }
}
