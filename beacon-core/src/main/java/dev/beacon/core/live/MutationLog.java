package dev.beacon.core.live;

import dev.beacon.protocol.convex.sync.SyncServerMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The mutations each sync session (by the client's session id, which survives reconnects) has
 * sent recently and what they answered, so that a mutation the client sends again after a
 * reconnect is answered, not applied a second time. Bounded: the most recent sessions, the most
 * recent requests of each, and {@link #MAX_ENTRIES} requests in all.
 */
public final class MutationLog {

  static final int MAX_SESSIONS = 10_000;
  static final int MAX_REQUESTS = 128;
  /** Requests remembered over all sessions: the least recently used sessions go first. */
  static final int MAX_ENTRIES = 100_000;

  private int total;

  /** A request's state: running, or done with its response and timestamp. */
  public static final class Entry {
    private SyncServerMessage response;
    private long ts;
    private final List<Consumer<Entry>> waiting = new ArrayList<>(1);

    public boolean done() {
      return response != null;
    }

    public SyncServerMessage response() {
      return response;
    }

    public long ts() {
      return ts;
    }
  }

  private final Map<String, Map<Integer, Entry>> sessions = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Map<Integer, Entry>> eldest) {
      if (size() > MAX_SESSIONS) {
        total -= eldest.getValue().size();
        return true;
      }
      return false;
    }
  };

  /** Requests remembered now (for tests). */
  synchronized int size() {
    return total;
  }

  /**
   * Starts a request and returns its entry (to {@link #finish} with), unless it is known: then
   * {@code known} is told of it now (done) or when it finishes (running), and null is returned.
   */
  public synchronized Entry begin(String sessionId, int requestId, Consumer<Entry> known) {
    Map<Integer, Entry> requests = sessions.computeIfAbsent(sessionId, s -> new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Integer, Entry> eldest) {
        if (size() > MAX_REQUESTS) {
          total--;
          return true;
        }
        return false;
      }
    });
    Entry entry = requests.get(requestId);
    if (entry == null) {
      Entry started = new Entry();
      requests.put(requestId, started);
      total++;
      // over the global bound: forget whole sessions, least recently used first (never this one)
      var eldest = sessions.entrySet().iterator();
      while (total > MAX_ENTRIES && eldest.hasNext()) {
        Map.Entry<String, Map<Integer, Entry>> e = eldest.next();
        if (e.getKey().equals(sessionId)) {
          break;
        }
        total -= e.getValue().size();
        eldest.remove();
      }
      return started;
    }
    if (entry.done()) {
      known.accept(entry);
    } else {
      entry.waiting.add(known);
    }
    return null;
  }

  /**
   * Records a request's response; whoever waited on it is told — even if the log has forgotten
   * the entry meanwhile (a retry waiting on it must still be answered).
   */
  public void finish(Entry entry, SyncServerMessage response, long ts) {
    List<Consumer<Entry>> waiting;
    synchronized (this) {
      entry.response = response;
      entry.ts = ts;
      waiting = new ArrayList<>(entry.waiting);
      entry.waiting.clear();
    }
    waiting.forEach(w -> w.accept(entry));
  }
}
