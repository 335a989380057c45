package dev.beacon.core.hub;

/** Runs tasks on one thread, in order: the transport's event loop behind a {@link Lane}. */
@FunctionalInterface
public interface LaneExecutor {

  void execute(Runnable task);
}
