package dev.beacon.protocol.convex.sync;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;

/** A message the server sends over the sync WebSocket. */
public sealed interface SyncServerMessage {

  /** Moves the client from {@code start} (its current version) to {@code end}. */
  record Transition(StateVersion start, StateVersion end, List<StateModification> modifications)
      implements SyncServerMessage {}

  /** A change of one query's state within a transition. */
  sealed interface StateModification {
    int queryId();
  }

  /** @param value the Convex-encoded result */
  record QueryUpdated(int queryId, JsonNode value) implements StateModification {}

  record QueryFailed(int queryId, String errorMessage, Optional<JsonNode> errorData)
      implements StateModification {}

  record QueryRemoved(int queryId) implements StateModification {}

  /** @param result the Convex-encoded result */
  record MutationSucceeded(int requestId, JsonNode result, long ts) implements SyncServerMessage {}

  record MutationFailed(int requestId, String errorMessage, Optional<JsonNode> errorData)
      implements SyncServerMessage {}

  record ActionFailed(int requestId, String errorMessage) implements SyncServerMessage {}

  /** The credentials of {@code Authenticate} at {@code baseVersion} were refused; the server closes. */
  record AuthError(String error, int baseVersion, boolean authUpdateAttempted) implements SyncServerMessage {}

  /** The client broke the protocol; the server closes. */
  record FatalError(String error) implements SyncServerMessage {}

  /** Sent after a quiet spell, so the client knows the server is there. */
  record Ping() implements SyncServerMessage {}
}
