package dev.beacon.core.outbox;

/**
 * A push to be made to every device a user has registered when it is stored: one outbox row per
 * device, written in the caller's transaction.
 *
 * @param messageId what the push is about (a notification's id); the services' collapse and
 *     idempotency ids derive from it, so a push sent twice shows once
 * @param expiresAt after this the push is no longer tried (epoch milliseconds)
 */
public record PushIntent(String messageId, String userId, PushContent content, long createdAt,
    long expiresAt) {

  public PushIntent {
    if (expiresAt <= createdAt) {
      throw new IllegalArgumentException("a push must expire after it is created");
    }
  }
}
