package dev.beacon.core.hub;

import java.util.function.Consumer;

/**
 * Runs tasks on one thread, in order: the transport's event loop behind a {@link Lane}. It knows
 * that thread, so lane-confined code can check where it is called from (as Netty's {@code assert
 * inEventLoop()}).
 */
public interface LaneExecutor {

  void execute(Runnable task);

  /** Whether the calling thread is the one this executor runs its tasks on. */
  boolean inExecutorThread();

  /**
   * An executor whose tasks are handed to {@code queue} and run on {@code thread} (whoever drains
   * the queue must do so there).
   */
  static LaneExecutor on(Thread thread, Consumer<Runnable> queue) {
    return new LaneExecutor() {
      @Override
      public void execute(Runnable task) {
        queue.accept(task);
      }

      @Override
      public boolean inExecutorThread() {
        return Thread.currentThread() == thread;
      }

      @Override
      public String toString() {
        return "executor on " + thread.getName();
      }
    };
  }
}
