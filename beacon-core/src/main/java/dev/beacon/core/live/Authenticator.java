package dev.beacon.core.live;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.core.functions.Caller;
import dev.beacon.protocol.convex.sync.SyncClientMessage;
import java.util.Optional;

/** Turns the credentials of a sync {@code Authenticate} into a caller (the server verifies JWTs). */
public interface Authenticator {

  /**
   * @throws dev.beacon.core.functions.FunctionException UNAUTHENTICATED with the reason
   */
  Caller authenticate(SyncClientMessage.TokenType type, Optional<String> value,
      Optional<JsonNode> impersonating);

  /**
   * When the credentials {@link #authenticate} accepted stop being valid (a JWT's {@code exp},
   * in epoch milliseconds, already including any clock skew the verifier allows), or empty if
   * they do not expire (admin keys, no credentials).
   */
  default java.util.OptionalLong validUntilMillis(SyncClientMessage.TokenType type,
      Optional<String> value) {
    return java.util.OptionalLong.empty();
  }

  /** The caller before any {@code Authenticate}: anonymous, of the default app. */
  Caller anonymous();
}
