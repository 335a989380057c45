package dev.beacon.protocol.convex.sync;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;

/** A message a Convex client sends over the sync WebSocket ({@code browser/sync/protocol.ts}). */
public sealed interface SyncClientMessage {

  /** The first message on a connection. */
  record Connect(String sessionId, int connectionCount, Optional<String> lastCloseReason,
      Optional<Long> maxObservedTimestamp) implements SyncClientMessage {}

  /** Adds and removes queries, moving the query set from {@code baseVersion} to {@code newVersion}. */
  record ModifyQuerySet(int baseVersion, int newVersion, List<QueryChange> modifications)
      implements SyncClientMessage {}

  /** One change of a query set. */
  sealed interface QueryChange {}

  /** @param args the decoded argument object */
  record Add(int queryId, String udfPath, JsonNode args) implements QueryChange {}

  record Remove(int queryId) implements QueryChange {}

  record Mutation(int requestId, String udfPath, JsonNode args) implements SyncClientMessage {}

  record Action(int requestId, String udfPath) implements SyncClientMessage {}

  /** Who the client is from now on; the identity version becomes {@code baseVersion + 1}. */
  record Authenticate(TokenType tokenType, Optional<String> value, int baseVersion,
      Optional<JsonNode> impersonating) implements SyncClientMessage {}

  /** Client-side telemetry; the server may ignore it. */
  record Event(String eventType) implements SyncClientMessage {}

  /** The kinds of credential {@code Authenticate} carries. */
  enum TokenType {
    USER,
    ADMIN,
    NONE
  }
}
