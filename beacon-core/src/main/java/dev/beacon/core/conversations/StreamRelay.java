package dev.beacon.core.conversations;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * In a cluster, how a node reaches the node that holds a stream (the one it started on, or that
 * took it over): a chunk or the end of the stream sent through any node is made by the holder,
 * which has the text so far in memory, and its answer returned. On a single node there is no
 * other node ({@link #NONE}).
 */
public interface StreamRelay {

  /**
   * Asks the node holding the stream {@code request} names ({@code {op: "append", messageId,
   * text}} or {@code {op: "finish", messageId, status, last?}}) to carry it out. Blocking.
   *
   * @return the holder's answer ({@link MessageStreams#serve}); empty when this node is to hold
   *     the stream from now on: no node answered as its holder in time and this node won the
   *     cluster's claim on it (of nodes taking it over at the same moment exactly one does; the
   *     others get the winner's answer), so the caller takes it over from the store
   * @throws dev.beacon.core.functions.FunctionException UNAVAILABLE when the cluster cannot say
   *     who holds it
   */
  Optional<JsonNode> send(String appId, JsonNode request);

  /** This node holds the stream: it started it, or took it over ({@link #send} was empty). */
  default void holding(String appId, String messageId) {}

  /** The stream ended (finished, or timed out): nobody holds it any more. */
  default void ended(String appId, String messageId) {}

  /** No other node. */
  StreamRelay NONE = (appId, request) -> Optional.empty();
}
