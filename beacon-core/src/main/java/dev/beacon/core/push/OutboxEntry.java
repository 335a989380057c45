package dev.beacon.core.push;

import dev.beacon.core.outbox.PushContent;

/**
 * One push to one device, as the outbox holds it until it is delivered, given up or its device
 * is found dead.
 *
 * @param attempts sends tried so far
 */
public record OutboxEntry(String appId, String messageId, Device device, PushContent content,
    long createdAt, long expiresAt, int attempts) {

  /** Seconds the push is still worth delivering at {@code now} (at least 1). */
  public long ttlSecondsAt(long now) {
    return Math.max(1, (expiresAt - now) / 1000);
  }
}
