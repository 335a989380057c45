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
  Identity authenticate(SyncClientMessage.TokenType type, Optional<String> value,
      Optional<JsonNode> impersonating);

  /**
   * Who the credentials name, and until when they are valid: a JWT's {@code exp} in epoch
   * milliseconds, already including any clock skew the verifier allows; empty for credentials
   * that do not expire (admin keys, none).
   */
  record Identity(Caller caller, java.util.OptionalLong validUntilMillis) {

    /** Credentials that do not expire. */
    public static Identity lasting(Caller caller) {
      return new Identity(caller, java.util.OptionalLong.empty());
    }
  }

  /** The caller before any {@code Authenticate}: anonymous, of the default app. */
  Caller anonymous();
}
