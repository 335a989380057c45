package dev.beacon.core.time;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sessions that each last until their own deadline, with one timer at the earliest: a user's HTTP
 * presence sessions, a room member's HTTP sessions. Renewing a session only moves its deadline;
 * the timer is re-armed lazily when it fires (or earlier, when a session ends sooner than the
 * timer), so a heartbeat costs no timer work.
 *
 * <p>Not thread-safe: its owner guards it with its own lock, and the {@code onDue} task it is
 * given must take that lock and call {@link #expire}.
 */
public final class SessionDeadlines {

  private final ExpiryScheduler expiry;
  private final Runnable onDue;
  private final Map<String, Long> deadlines = new HashMap<>(2);
  private ExpiryScheduler.Handle timer;
  private long timerAt;

  /**
   * @param onDue run on the expiry thread when the earliest deadline may have passed; it takes
   *     the owner's lock and calls {@link #expire}
   */
  public SessionDeadlines(ExpiryScheduler expiry, Runnable onDue) {
    this.expiry = expiry;
    this.onDue = onDue;
  }

  /** Starts a session, or moves its deadline. */
  public void renew(String sessionId, long deadline) {
    deadlines.put(sessionId, deadline);
    if (timer != null && timerAt <= deadline) {
      return;
    }
    if (timer != null) {
      timer.cancel();
    }
    timerAt = deadline;
    timer = expiry.schedule(deadline, onDue);
  }

  /** Ends one session; false if there was no such session. */
  public boolean end(String sessionId) {
    return deadlines.remove(sessionId) != null;
  }

  /** Ends every session and stops the timer. */
  public void endAll() {
    deadlines.clear();
    cancel();
  }

  /**
   * Ends the sessions whose deadline is at or before {@code now} and re-arms the timer at the
   * next deadline. Called by the owner's {@code onDue} task, under its lock.
   *
   * @return the sessions that ended
   */
  public List<String> expire(long now) {
    timer = null;
    List<String> ended = new ArrayList<>(1);
    long next = Long.MAX_VALUE;
    var it = deadlines.entrySet().iterator();
    while (it.hasNext()) {
      var e = it.next();
      if (e.getValue() <= now) {
        ended.add(e.getKey());
        it.remove();
      } else {
        next = Math.min(next, e.getValue());
      }
    }
    if (next != Long.MAX_VALUE) {
      timerAt = next;
      timer = expiry.schedule(next, onDue);
    }
    return ended;
  }

  /** Stops the timer; the sessions stay. */
  public void cancel() {
    if (timer != null) {
      timer.cancel();
      timer = null;
    }
  }

  public boolean isEmpty() {
    return deadlines.isEmpty();
  }

  /** Whether a timer is waiting to fire. */
  public boolean timerPending() {
    return timer != null;
  }

  /** The live sessions and their deadlines, for re-registering them elsewhere. */
  public Map<String, Long> snapshot() {
    return Map.copyOf(deadlines);
  }
}
