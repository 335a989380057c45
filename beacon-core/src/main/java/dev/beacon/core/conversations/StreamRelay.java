package dev.beacon.core.conversations;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * In a cluster, how a node reaches the node that holds a stream (the one it started on, or that
 * took it over): a chunk or the end of the stream sent through any node is made by the holder,
 * which has the text so far in memory, and its answer returned. On a single node there is no
 * other node ({@link #NONE}).
 *
 * <p>Fencing: each holder has an epoch. The node that starts a stream holds it with {@link
 * #startEpoch()}; a node that takes it over gets a newer one from the cluster's claim. The
 * stored message keeps the epoch of its latest holder ({@link ConversationStore#takeStream}), and
 * a holder's writes are refused once a newer holder took the stream over, so a holder that was
 * taken for gone but was only paused cannot fork the text.
 */
public interface StreamRelay {

  /** The epoch of a node that has no other node to be fenced from: its writes always pass. */
  long UNFENCED = Long.MAX_VALUE;

  /**
   * What {@link #send} came to: the holder's {@code answer}, or (answer null) this node is to hold
   * the stream from now on, with fencing epoch {@code epoch}.
   */
  record Sent(JsonNode answer, long epoch) {
    public static Sent answered(JsonNode answer) {
      return new Sent(answer, 0);
    }

    public static Sent claimed(long epoch) {
      return new Sent(null, epoch);
    }

    public boolean claimed() {
      return answer == null;
    }
  }

  /**
   * Asks the node holding the stream {@code request} names ({@code {op: "append", messageId,
   * text}} or {@code {op: "finish", messageId, status, last?}}) to carry it out. Blocking.
   *
   * @return the holder's answer ({@link MessageStreams#serve}); or, claimed, when this node is
   *     to hold the stream from now on: no node answered as its holder in time and this node won
   *     the cluster's claim on it, with a newer epoch than any holder before (of nodes taking it
   *     over at the same moment exactly one does; the others get the winner's answer), so the
   *     caller takes it over from the store ({@link ConversationStore#takeStream})
   * @throws dev.beacon.core.functions.FunctionException UNAVAILABLE when the cluster cannot say
   *     who holds it
   */
  Sent send(String appId, JsonNode request);

  /** The epoch a stream this node starts is held with (0 in a cluster: claims get newer ones). */
  default long startEpoch() {
    return UNFENCED;
  }

  /**
   * This node holds the stream with {@code epoch}: it started it, or took it over ({@link #send}
   * claimed it and the store took the epoch).
   */
  default void holding(String appId, String messageId, long epoch) {}

  /** This node won a claim on the stream but did not take it over (ended, or held anew). */
  default void notTaken(String appId, String messageId) {}

  /** The stream ended (finished, or timed out): nobody holds it. */
  default void ended(String appId, String messageId) {}

  /** No other node. */
  StreamRelay NONE = (appId, request) -> Sent.claimed(UNFENCED);
}
