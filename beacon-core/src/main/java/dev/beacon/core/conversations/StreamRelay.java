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
   * @return the holder's answer ({@link MessageStreams#serve}); empty when no node answered as
   *     its holder in time (none holds it: the caller takes the stream over from the store)
   */
  Optional<JsonNode> send(String appId, JsonNode request);

  /** No other node. */
  StreamRelay NONE = (appId, request) -> Optional.empty();
}
