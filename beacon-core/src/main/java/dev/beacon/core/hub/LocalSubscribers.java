package dev.beacon.core.hub;

import java.util.Arrays;

/**
 * A channel's subscriptions on one lane: a dense array with O(1) add and remove (the last entry
 * moves into the hole), iterated without allocation. Only the lane's thread touches it; {@link
 * #size} is read by publishers on other threads to skip lanes with no subscribers.
 */
final class LocalSubscribers {

  private static final Subscription[] NONE = new Subscription[0];

  /** Empty until the first subscriber on this lane (a channel has a list on every lane). */
  private Subscription[] items = NONE;
  private volatile int size;

  void add(Subscription s) {
    int n = size;
    if (n == items.length) {
      items = Arrays.copyOf(items, Math.max(2, n * 2));
    }
    items[n] = s;
    s.slot = n;
    size = n + 1;
  }

  void remove(Subscription s) {
    int slot = s.slot;
    int last = size - 1;
    if (slot < 0 || slot > last || items[slot] != s) {
      return;
    }
    Subscription moved = items[last];
    items[slot] = moved;
    moved.slot = slot;
    items[last] = null;
    s.slot = -1;
    size = last;
    if (items.length > 64 && last < items.length / 4) {
      items = Arrays.copyOf(items, items.length / 2);
    }
  }

  int size() {
    return size;
  }

  /** Writes {@code frame} to every subscription but {@code exclude}, joined before {@code version}. */
  int deliver(byte[] frame, Subscriber exclude, String excludeSocketId, long version) {
    Subscription[] snapshot = items;
    int n = size;
    int delivered = 0;
    for (int i = 0; i < n; i++) {
      Subscription s = snapshot[i];
      if (s == null) {
        break; // a subscriber closed while we wrote to it and the list shrank
      }
      Subscriber sub = s.subscriber();
      if (s.pending != null) {
        if (sub != exclude && (excludeSocketId == null || !excludeSocketId.equals(sub.socketId()))
            && s.pending.size() < Subscription.MAX_HELD) {
          s.pending.add(new Subscription.Held(frame, version));
        }
        continue;
      }
      if (sub == exclude || s.joinedVersion >= version) {
        continue;
      }
      if (excludeSocketId != null && excludeSocketId.equals(sub.socketId())) {
        continue;
      }
      sub.deliver(frame);
      delivered++;
    }
    return delivered;
  }
}
