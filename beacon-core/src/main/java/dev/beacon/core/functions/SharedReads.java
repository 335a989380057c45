package dev.beacon.core.functions;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;

/**
 * Reads shared by the evaluations of one live-query round: the first evaluation that asks for a
 * key reads it, the others (on any thread) get the same value. Ten watchers of a conversation
 * are ten users, so ten live queries; what they read of the conversation (its members, its page
 * of messages, its streaming text) does not depend on who reads it, and is read once per round.
 *
 * <p>A round's reads are consistent as the engine's are: every change reported before the round
 * began is in the store before anything here is read, and an evaluation that used a value read
 * before a change reported during the round is run again in the next round (with new shared
 * reads), because it recorded the change's key. A function records its dependency keys itself,
 * as it would without sharing. Values must not be changed once returned: every evaluation of the
 * round holds the same instance.
 */
public final class SharedReads {

  /** No sharing: every read is made (a call outside a live-query round). */
  public static final SharedReads NONE = new SharedReads(false);

  private final ConcurrentHashMap<Object, FutureTask<Object>> reads;

  private SharedReads(boolean sharing) {
    this.reads = sharing ? new ConcurrentHashMap<>() : null;
  }

  /** A new set of reads, for one round. */
  public static SharedReads round() {
    return new SharedReads(true);
  }

  /**
   * The value read for {@code key} this round, reading it with {@code read} if nobody has. A
   * read that failed fails the same way for every caller of the round.
   *
   * @param key equal for reads that return the same value whoever calls (include the app id)
   */
  @SuppressWarnings("unchecked")
  public <T> T get(Object key, Supplier<T> read) {
    if (reads == null) {
      return read.get();
    }
    FutureTask<Object> task = reads.get(key);
    if (task == null) {
      FutureTask<Object> mine = new FutureTask<>(read::get);
      task = reads.putIfAbsent(key, mine);
      if (task == null) {
        task = mine;
        mine.run();
      }
    }
    try {
      return (T) task.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a shared read", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /** How many distinct reads were asked for this round. */
  public int size() {
    return reads == null ? 0 : reads.size();
  }
}
