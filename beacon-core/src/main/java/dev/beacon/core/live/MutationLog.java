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
 * reconnect is answered, not applied a second time. Bounded: the most recent sessions, and the
 * most recent requests of each.
 */
public final class MutationLog {

  static final int MAX_SESSIONS = 10_000;
  static final int MAX_REQUESTS = 128;

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
      return size() > MAX_SESSIONS;
    }
  };

  /**
   * Starts a request, unless it is known: then {@code known} is told of it now (done) or when it
   * finishes (running), and false is returned.
   */
  public synchronized boolean begin(String sessionId, int requestId, Consumer<Entry> known) {
    Map<Integer, Entry> requests = sessions.computeIfAbsent(sessionId, s -> new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Integer, Entry> eldest) {
        return size() > MAX_REQUESTS;
      }
    });
    Entry entry = requests.get(requestId);
    if (entry == null) {
      requests.put(requestId, new Entry());
      return true;
    }
    if (entry.done()) {
      known.accept(entry);
    } else {
      entry.waiting.add(known);
    }
    return false;
  }

  /** Records a request's response; whoever waited on it is told. */
  public void finish(String sessionId, int requestId, SyncServerMessage response, long ts) {
    List<Consumer<Entry>> waiting;
    Entry entry;
    synchronized (this) {
      Map<Integer, Entry> requests = sessions.get(sessionId);
      entry = requests == null ? null : requests.get(requestId);
      if (entry == null) {
        return;
      }
      entry.response = response;
      entry.ts = ts;
      waiting = new ArrayList<>(entry.waiting);
      entry.waiting.clear();
    }
    waiting.forEach(w -> w.accept(entry));
  }
}
