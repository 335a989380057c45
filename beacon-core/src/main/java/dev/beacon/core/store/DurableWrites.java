package dev.beacon.core.store;

import java.util.concurrent.Executor;

/**
 * Writes that must reach the store but that no caller waits for (a user's last-seen time when
 * they go offline, a chosen status, a room visit, the timestamp reserve). Each write has a key
 * naming what it stores; a later write with the same key replaces an earlier one not yet made,
 * since only the latest value matters.
 */
public interface DurableWrites {

  /** Stores {@code write}'s value eventually; a pending write with the same key is replaced. */
  void write(String key, Runnable write);

  /** Runs each write at once on the calling thread (tests). */
  DurableWrites DIRECT = (key, write) -> write.run();

  /** Hands each write to {@code executor} as it comes, without coalescing (tests). */
  static DurableWrites on(Executor executor) {
    return (key, write) -> executor.execute(write);
  }
}
