package dev.beacon.core.push;

import dev.beacon.core.outbox.PushIntent;
import java.util.List;
import java.util.Optional;

/**
 * Registered devices and the durable push outbox. Every write is committed before it returns.
 * Blocking.
 */
public interface PushStore {

  /**
   * Registers a device, or moves an already registered address (endpoint or token) to this user;
   * a user keeps at most {@code maxPerUser} devices (the oldest go first).
   *
   * @return the device as stored (an existing address keeps its id)
   */
  Device register(String appId, Device device, int maxPerUser);

  /** Removes one of the user's devices, named by id or address; whether it was there. */
  boolean unregister(String appId, String userId, String idOrAddress);

  List<Device> devices(String appId, String userId);

  /**
   * Stores a push for every device of its user, once per request key.
   *
   * @return how many devices it is queued for
   */
  int enqueue(String appId, PushIntent intent, Optional<String> requestKey);

  /**
   * Claims up to {@code limit} pushes due at {@code now} (oldest first) until {@code claimUntil}:
   * a push claimed is not claimed again before then, by this node or another.
   */
  List<OutboxEntry> claimDue(long now, int limit, long claimUntil);

  /** A claimed push was accepted: forget it. */
  void delivered(OutboxEntry entry);

  /** A claimed push is to be tried again at {@code at}. */
  void retryAt(OutboxEntry entry, long at);

  /** A claimed push is given up. */
  void drop(OutboxEntry entry);

  /** Removes a dead device and every push queued for it. */
  void removeDevice(String appId, String deviceId);

  /** Pushes in the outbox, due or not. */
  long pending();

  /** When the next push not claimed at {@code now} becomes due; empty when there is none. */
  Optional<Long> nextDue(long now);

  /** Forgets every claim: on the start of a node that is the only one (its claims died with it). */
  void releaseClaims();
}
