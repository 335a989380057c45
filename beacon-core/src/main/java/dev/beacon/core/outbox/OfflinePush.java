package dev.beacon.core.outbox;

import dev.beacon.core.app.App;
import java.util.Optional;

/**
 * Decides whether something for a user becomes a push (the app has push configured, the user is
 * offline or the app pushes always, the user's rate allows it), and hears when one was stored so
 * that sending starts at once.
 */
public interface OfflinePush {

  /** No push, ever (apps without push, tests). */
  OfflinePush NONE = new OfflinePush() {
    @Override
    public Optional<PushIntent> intent(App app, String userId, String messageId,
        PushContent content, long now) {
      return Optional.empty();
    }

    @Override
    public void stored(App app) {}
  };

  /**
   * The push to store with {@code messageId}, or empty when none is due. Never blocks.
   *
   * @param now the time of the call creating the message
   */
  Optional<PushIntent> intent(App app, String userId, String messageId, PushContent content, long now);

  /** A transaction holding a push committed: send it. Never blocks. */
  void stored(App app);
}
