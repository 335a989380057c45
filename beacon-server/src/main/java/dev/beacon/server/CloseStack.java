package dev.beacon.server;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's resources in the order they were created, closed in the reverse order: each is
 * registered as soon as it exists, so a start that fails half-way closes exactly what it had
 * opened, and a stop closes everything. A resource that fails to close is logged and the rest are
 * still closed. Thread-safe; {@link #close} is idempotent.
 */
final class CloseStack implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CloseStack.class);

  /** Something to close, named for the log. */
  @FunctionalInterface
  interface Closer {
    void close() throws Exception;
  }

  /** How to close a resource of type {@code T}. */
  @FunctionalInterface
  interface CloseWith<T> {
    void close(T resource) throws Exception;
  }

  private record Entry(String name, Closer closer) {}

  private final Deque<Entry> entries = new ArrayDeque<>();
  private boolean closed;

  /**
   * Registers a resource just created; returns it, so creation and registration are one
   * expression. Closing a stack that is already closed closes the resource at once.
   */
  <T> T push(String name, T resource, CloseWith<T> closer) {
    push(name, () -> closer.close(resource));
    return resource;
  }

  /** Registers a close action for something just created or started. */
  void push(String name, Closer closer) {
    boolean late;
    synchronized (this) {
      late = closed;
      if (!late) {
        entries.push(new Entry(name, closer));
      }
    }
    if (late) {
      run(new Entry(name, closer));
    }
  }

  /** Names of what is registered, the next to close first (for tests and logs). */
  synchronized java.util.List<String> names() {
    return entries.stream().map(Entry::name).toList();
  }

  /** Closes every resource, the last registered first. */
  @Override
  public void close() {
    while (true) {
      Entry next;
      synchronized (this) {
        closed = true;
        next = entries.poll();
      }
      if (next == null) {
        return;
      }
      run(next);
    }
  }

  private static void run(Entry entry) {
    try {
      entry.closer().close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      LOG.warn("closing {} was interrupted", entry.name());
    } catch (Exception e) {
      LOG.warn("closing {} failed: {}", entry.name(), e.toString());
    }
  }
}
