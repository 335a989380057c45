package dev.beacon.core.conversations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.app.App;
import dev.beacon.core.functions.Changes;
import dev.beacon.core.functions.DependencyKey;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.core.social.LiveEvents;
import dev.beacon.core.store.DurableWrites;
import dev.beacon.core.time.ExpiryScheduler;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The messages being streamed on this node: their text so far in memory, each chunk published
 * at once as {@code message-chunk} on the conversation's Pusher channel, and the text stored and
 * shown to live queries at most once per {@link #COALESCE_MILLIS} per message.
 *
 * <p>Durability: a flush stores the whole text so far and only then tells live queries, so text
 * any watcher has seen is stored. The streams due at about the same time are flushed together,
 * in one transaction. A crash (kill -9) loses the chunks appended since the last flush: at most
 * {@link #COALESCE_MILLIS} of chunks plus those appended while that flush was being written. The
 * stream then resumes from the stored text, or times out.
 *
 * <p>A stream with no chunk for the app's {@code stream_idle_timeout_seconds} (since its last
 * chunk, not its start) ends with status {@code timeout}, also after a restart (the idle time
 * counts from the last stored update).
 *
 * <p>In a cluster ({@link StreamRelay}) each holder has a fencing epoch, stored with the
 * message by the node that took the stream over last; every flush and end of the stream is
 * stored only by a holder whose epoch is not older. A holder whose write is refused, or that
 * hears of a newer holder, was taken for gone (a long pause) and replaced: it drops its copy
 * (and passes later chunks on like any other node), losing the chunks it had not stored, the
 * same bound as a crash.
 */
public final class MessageStreams {

  private static final Logger LOG = LoggerFactory.getLogger(MessageStreams.class);

  /** The shortest time between two live updates of one streamed message. */
  public static final long COALESCE_MILLIS = 50;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final ConversationStore store;
  private final ExpiryScheduler expiry;
  private final DurableWrites writes;
  private final Changes changes;
  private final LiveEvents live;
  private final ConcurrentHashMap<String, Active> active = new ConcurrentHashMap<>();

  MessageStreams(ConversationStore store, ExpiryScheduler expiry, DurableWrites writes,
      Changes changes, LiveEvents live) {
    this.store = store;
    this.expiry = expiry;
    this.writes = writes;
    this.changes = changes;
    this.live = live;
  }

  /** A stream in progress. Guarded by itself. */
  private final class Active {
    final App app;
    final String messageId;
    final String conversationId;
    final String authorId;
    final StringBuilder text;
    long bytes;
    int chunks;
    long lastChunkAt;
    long lastFlushAt;
    boolean flushPending;
    boolean finished;
    /**
     * The fencing epoch this node holds the stream with ({@link StreamRelay#startEpoch()}, or
     * the claim's when it took the stream over).
     */
    long epoch;
    /** Another node took the stream over (a newer epoch): this copy was dropped. */
    boolean replaced;
    /**
     * Watched, not held: a stream the store had as streaming when this node started. Its text is
     * not here (another node of a cluster may hold it, or nobody after a restart): this node only
     * ends it as {@code timeout} when the store shows no update for the idle time, and takes it
     * over when a chunk comes here and no node holds it.
     */
    boolean dormant;
    ExpiryScheduler.Handle idle;
    /**
     * The message as this node last stored it (or read it, or was given it stored): its text as
     * of the last flush, not the text so far. What the store holds while this node is the only
     * writer of the stream (a single node), between a flush's commit and this being set after it.
     */
    Message stored;

    Active(App app, Message m, long lastChunkAt) {
      this.app = app;
      this.messageId = m.id();
      this.conversationId = m.conversationId();
      this.authorId = m.authorId();
      this.text = new StringBuilder(m.content());
      this.bytes = m.content().getBytes(StandardCharsets.UTF_8).length;
      this.lastChunkAt = lastChunkAt;
      this.stored = m;
    }

    String key() {
      return MessageStreams.key(app.id(), messageId);
    }
  }

  private static String key(String appId, String messageId) {
    return appId + '\u0000' + messageId;
  }

  /** How many streams this node holds. */
  public int size() {
    return active.size();
  }

  /** A stream was stored: hold it and arm its idle timeout. */
  void started(App app, Message m, long now) {
    Active a = new Active(app, m, now);
    a.epoch = relay.startEpoch();
    active.put(a.key(), a);
    synchronized (a) {
      armIdle(a);
    }
    relay.holding(app.id(), m.id(), a.epoch);
  }

  /**
   * Watches the streams the store holds as {@code streaming} (after a restart, or a node started
   * in a cluster where others hold streams): each ends as {@code timeout} once the store shows no
   * update for the idle time, counted from its last stored update. Blocking.
   */
  public void resume(App app) {
    for (Message m : store.allStreaming(app.id())) {
      active.computeIfAbsent(key(app.id(), m.id()), k -> {
        Active a = new Active(app, m, m.updatedAt());
        a.dormant = true;
        synchronized (a) {
          armIdle(a);
        }
        return a;
      });
    }
  }

  /** The stream held here (not only watched), if it is. */
  private Active held(String appId, String messageId) {
    Active a = active.get(key(appId, messageId));
    return a == null || a.dormant ? null : a;
  }

  /** The author of a stream held here, if it is one. */
  Optional<String> authorOf(String appId, String messageId) {
    Active a = held(appId, messageId);
    return a == null ? Optional.empty() : Optional.of(a.authorId);
  }

  /**
   * A streaming message held here, as the store has it: the text of its last flush (not the text
   * so far, which no watcher is shown before it is stored), if this node holds it. Equal to the
   * stored row only while this node is the stream's only writer (a single node, not a cluster,
   * where a node that took the stream over writes it too), and but for the moment between a
   * flush's commit and its being noted here (a reader then gets the text of the flush before,
   * as it would reading just before the commit; the flush's change comes after). Dormant
   * streams (not held here) and ended ones are not.
   */
  Optional<Message> storedCopy(String appId, String messageId) {
    Active a = held(appId, messageId);
    if (a == null) {
      return Optional.empty();
    }
    synchronized (a) {
      return a.finished ? Optional.empty() : Optional.of(a.stored);
    }
  }

  /** Where chunks for streams another node holds are sent; none on a single node. */
  private volatile StreamRelay relay = StreamRelay.NONE;

  /** In a cluster: sends chunks and ends of streams held by other nodes to them. */
  public void relay(StreamRelay relay) {
    this.relay = relay;
  }

  /**
   * Appends a chunk: published at once, stored and shown to live queries within {@link
   * #COALESCE_MILLIS}.
   *
   * @return the chunk's number in the stream (1, 2, ...) and the text's length so far
   * @throws FunctionException NOT_FOUND when no such stream is held, LIMIT_REACHED past the app's
   *     {@code max_stream_bytes}
   */
  long[] append(App app, Message m, String chunk, long now) {
    for (int attempt = 0; ; attempt++) {
      StreamRelay.Sent sent = relay.send(app.id(), NODES.objectNode().put("op", "append")
          .put("messageId", m.id()).put("text", chunk));
      if (!sent.claimed()) {
        JsonNode r = answer(sent.answer());
        return new long[] {r.path("seq").asLong(), r.path("length").asLong()};
      }
      // no node holds it (a restart, or its node is gone): this node takes it over from the
      // store (in a cluster it won the claim: no other node does)
      Optional<Active> a = takeOver(app, m, sent.epoch(), now);
      if (a.isPresent()) {
        return append(app, a.get(), chunk, now);
      }
      if (attempt > 0) {
        throw FunctionException.unavailable("the stream of message '" + m.id() + "' was taken "
            + "over by other nodes twice while this node claimed it; try again");
      }
      // a node that claimed it after this one holds it now: it is asked again
    }
  }

  /**
   * This node takes the stream over with {@code epoch} (this node won the cluster's claim, or
   * {@link StreamRelay#UNFENCED} on a single node): from the stored text, read in the transaction
   * that raises the stored epoch, so a flush of the holder before is in it and one after is
   * refused. Blocking.
   *
   * @return the stream held here; empty when a node holding a newer epoch has it
   * @throws FunctionException CONFLICT when it is no longer streaming
   */
  private Optional<Active> takeOver(App app, Message m, long epoch, long now) {
    Message from = m;
    if (epoch != StreamRelay.UNFENCED) {
      Optional<Message> taken = take(app, m.id(), epoch);
      if (taken.isEmpty()) {
        relay.notTaken(app.id(), m.id());
        if (!streamingNow(app, m.id())) {
          throw FunctionException.conflict("message '" + m.id() + "' is no longer streaming");
        }
        return Optional.empty();
      }
      from = taken.get();
    }
    Message base = from;
    Active a = active.compute(key(app.id(), m.id()), (k, old) -> {
      if (old != null && !old.dormant) {
        synchronized (old) {
          // taken over by another call here at the same time: held under the newer claim
          old.epoch = Math.max(old.epoch, epoch);
        }
        return old;
      }
      if (old != null) {
        synchronized (old) {
          old.finished = true;
          if (old.idle != null) {
            old.idle.cancel();
          }
        }
      }
      Active taken = new Active(app, base, now);
      taken.epoch = epoch;
      synchronized (taken) {
        armIdle(taken);
      }
      return taken;
    });
    long held;
    synchronized (a) {
      held = a.epoch;
    }
    relay.holding(app.id(), m.id(), held);
    return Optional.of(a);
  }

  /**
   * {@link ConversationStore#takeStream}: a claim this node won, taken in the store. Blocking.
   *
   * @throws FunctionException UNAVAILABLE when the stream's stored row stayed locked by another
   *     node's write for the bounded wait (nothing taken; the claim is given up, and the call may
   *     be made again)
   */
  private Optional<Message> take(App app, String messageId, long epoch) {
    try {
      return store.takeStream(app.id(), messageId, epoch);
    } catch (ConversationStore.StreamBusy busy) {
      relay.notTaken(app.id(), messageId);
      LOG.info("stream of message '{}' not taken over: {}", messageId, busy.getMessage());
      throw FunctionException.unavailable("the stream of message '" + messageId + "' could not "
          + "be taken over from its previous holder (its stored row stayed locked for "
          + ConversationStore.TAKE_LOCK_WAIT_MILLIS + " ms); try again");
    }
  }

  /** Whether the store has the message as streaming. Blocking. */
  private boolean streamingNow(App app, String messageId) {
    return store.message(app.id(), messageId).map(Message::streaming).orElse(false);
  }

  /**
   * Another node holds the stream with {@code epoch} (it took it over): a copy held here with an
   * older epoch is dropped, its holder having been taken for gone.
   */
  public void superseded(String appId, String messageId, long epoch) {
    Active a = held(appId, messageId);
    if (a != null) {
      boolean older;
      synchronized (a) {
        older = a.epoch < epoch;
      }
      if (older) {
        drop(a, "another node took it over");
      }
    }
  }

  /**
   * Checks each stream held here against its stored fencing epoch, and drops a copy whose stream
   * another node has taken over: for when this node may have missed that node's word (its bus was
   * silent or paused, and resubscribed or registered again: what was published meanwhile is not
   * heard again). Without it, such a holder would take the next chunk sent to it as its own, and
   * lose it when its flush is refused. Blocking.
   *
   * @return how many copies were dropped
   */
  public int recheckHeld() {
    int dropped = 0;
    for (Active a : List.copyOf(active.values())) {
      long own;
      synchronized (a) {
        if (a.finished || a.dormant) {
          continue;
        }
        own = a.epoch;
      }
      Optional<ConversationStore.Watched> stored = store.watchStream(a.app.id(), a.messageId);
      if (stored.isPresent() && stored.get().epoch() > own) {
        drop(a, "another node took it over while this one was not listening");
        dropped++;
      }
    }
    return dropped;
  }

  /**
   * This node's copy of a stream is no longer the stream's (another node took it over with a
   * newer epoch): dropped, so later chunks here are passed on to the holder like on any other
   * node. The chunks it had not stored are lost.
   */
  private void drop(Active a, String why) {
    synchronized (a) {
      if (a.finished) {
        return;
      }
      a.finished = true;
      a.replaced = true;
      if (a.idle != null) {
        a.idle.cancel();
      }
    }
    active.remove(a.key(), a);
    LOG.info("stream of message '{}' dropped here ({}): epoch {} is no longer its holder's",
        a.messageId, why, a.epoch);
  }

  /** As {@link #append(App, Message, String, long)} for a stream held here, if it is. */
  Optional<long[]> appendHeld(App app, String messageId, String chunk, long now) {
    Active a = held(app.id(), messageId);
    return a == null ? Optional.empty() : Optional.of(append(app, a, chunk, now));
  }

  /** A relayed operation's answer: itself, or the holder's refusal thrown here. */
  private static JsonNode answer(JsonNode r) {
    if (r.hasNonNull("error")) {
      throw new Relayed(r.path("error").asText(), r.path("code").asText("CONFLICT"),
          r.path("data").asBoolean(true));
    }
    return r;
  }

  /** A refusal made by the node holding the stream, as it made it. */
  private static final class Relayed extends FunctionException {
    Relayed(String message, String code, boolean hasData) {
      super(message, code, hasData);
    }
  }

  /** A chunk for a copy dropped meanwhile: another node holds the stream now. */
  private static final class Replaced extends FunctionException {
    Replaced(String messageId) {
      super("the stream of message '" + messageId + "' was taken over by another node; send "
          + "the chunk again", "UNAVAILABLE", false);
    }
  }

  /**
   * Serves another node's chunk or end of a stream (a cluster's relay, {@link StreamRelay}): only
   * if this node holds the stream, else nothing is answered. A chunk is appended on the calling
   * thread (it does not block, and chunks keep the order they came in); an end is stored on
   * {@code blocking}.
   *
   * @param reply told the outcome: {@code {seq, length}}, {@code {finished}}, or {@code {error,
   *     code, data}}
   */
  public void serve(App app, JsonNode request, java.util.concurrent.Executor blocking,
      java.util.function.Consumer<JsonNode> reply) {
    String messageId = request.path("messageId").asText();
    if (held(app.id(), messageId) == null) {
      return;
    }
    long now = expiry.clock().millis();
    String op = request.path("op").asText();
    if ("append".equals(op)) {
      JsonNode answer;
      try {
        answer = outcome(() -> appendHeld(app, messageId, request.path("text").asText(), now)
            .map(r -> (JsonNode) NODES.objectNode().put("seq", r[0]).put("length", r[1]))
            .orElseGet(() -> NODES.objectNode().put("error", "Not found: stream of message '"
                + messageId + "'").put("code", "NOT_FOUND").put("data", true)));
      } catch (Replaced dropped) {
        return; // the node that took it over answers
      }
      reply.accept(answer);
    } else if ("finish".equals(op)) {
      Runnable finish = () -> {
        JsonNode answer;
        try {
          answer = outcome(() -> {
            Optional<String> last = request.hasNonNull("last")
                ? Optional.of(request.get("last").asText()) : Optional.empty();
            Optional<Message> m = store.message(app.id(), messageId);
            boolean finished = m.isPresent() && m.get().streaming()
                && finishHere(app, m.get(), request.path("status").asText("done"), last, now,
                    NOT_CLAIMED).orElseThrow(() -> new Replaced(messageId));
            return NODES.objectNode().put("finished", finished);
          });
        } catch (Replaced dropped) {
          return; // not (or no longer) the holder: the node holding it answers
        }
        reply.accept(answer);
      };
      try {
        blocking.execute(finish);
      } catch (java.util.concurrent.RejectedExecutionException full) {
        reply.accept(outcome(() -> {
          throw FunctionException.overloaded("the node holding the stream is too busy; try again");
        }));
      }
    }
  }

  private static JsonNode outcome(java.util.function.Supplier<JsonNode> op) {
    try {
      return op.get();
    } catch (Replaced e) {
      throw e;
    } catch (FunctionException e) {
      return NODES.objectNode().put("error", e.getMessage()).put("code", e.code())
          .put("data", e.errorDataCode().isPresent());
    }
  }

  private long[] append(App app, Active a, String chunk, long now) {
    int seq;
    long length;
    synchronized (a) {
      if (a.finished) {
        if (a.replaced) {
          throw new Replaced(a.messageId);
        }
        throw FunctionException.conflict("message '" + a.messageId + "' is no longer streaming");
      }
      long added = chunk.getBytes(StandardCharsets.UTF_8).length;
      int cap = app.messages().maxStreamBytes();
      if (a.bytes + added > cap) {
        throw FunctionException.limitReached("a streamed message holds at most " + cap
            + " bytes (max_stream_bytes); it has " + a.bytes + " and the chunk adds " + added);
      }
      a.text.append(chunk);
      a.bytes += added;
      seq = ++a.chunks;
      length = a.text.length();
      a.lastChunkAt = now;
      if (!a.flushPending) {
        a.flushPending = true;
        expiry.schedule(Math.max(now, a.lastFlushAt + COALESCE_MILLIS), () -> flushLater(a));
      }
    }
    live.chunkToConversation(app, a.conversationId, a.messageId, seq, chunk);
    return new long[] {seq, length};
  }

  /**
   * On the expiry thread: queues the stream's flush. The streams due are stored together, in one
   * transaction made by the durable writes (which may block), then told to live queries at once.
   */
  private void flushLater(Active a) {
    synchronized (a) {
      a.flushPending = false;
      a.lastFlushAt = expiry.clock().millis();
      if (a.finished) {
        return;
      }
    }
    due.add(a);
    writes.write(FLUSH_KEY, this::flushDue);
  }

  /** The key of the durable write that stores the streams due (one pending at a time). */
  private static final String FLUSH_KEY = "message streams";

  /** Streams whose text is to be stored by the next {@link #flushDue}. */
  private final java.util.concurrent.ConcurrentLinkedQueue<Active> due =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  /**
   * Stores the text so far of every stream due, in one transaction, then tells live queries. If
   * the store fails, the streams stay due and the durable writes try again.
   */
  private void flushDue() {
    java.util.Map<Active, ConversationStore.StreamText> batch = new java.util.LinkedHashMap<>();
    for (Active a; (a = due.poll()) != null; ) {
      synchronized (a) {
        if (!a.finished) {
          batch.put(a, new ConversationStore.StreamText(a.app.id(), a.messageId, a.text.toString(),
              a.lastChunkAt, a.epoch));
        }
      }
    }
    if (batch.isEmpty()) {
      return;
    }
    java.util.Set<String> stored;
    try {
      stored = store.updateStreams(List.copyOf(batch.values()));
    } catch (RuntimeException e) {
      due.addAll(batch.keySet()); // the next attempt stores their text as it is then
      throw e;
    }
    java.util.Set<DependencyKey> keys = new java.util.LinkedHashSet<>();
    for (Map.Entry<Active, ConversationStore.StreamText> e : batch.entrySet()) {
      Active a = e.getKey();
      if (stored.contains(a.app.id() + '\u0000' + a.messageId)) {
        ConversationStore.StreamText t = e.getValue();
        synchronized (a) {
          // as the flush stored it (flushes are made one at a time, in order), before it is told
          a.stored = a.stored.withContent(t.content(), t.at());
        }
        keys.add(DependencyKey.of(a.app.id(), ConversationFunctions.CONVERSATION, a.conversationId));
      } else {
        // ended meanwhile, or taken over by a node with a newer epoch (this node was taken for
        // gone): not shown, and this copy is no longer the stream's
        drop(a, "its flush was refused");
      }
    }
    if (!keys.isEmpty()) {
      changes.changed(keys);
    }
  }

  /**
   * Ends a stream with its whole text and {@code status}, stored before this returns. Blocking.
   *
   * @return whether it was streaming (false: already ended)
   */
  boolean finish(App app, Message m, String status, Optional<String> finalChunk, long now) {
    for (int attempt = 0; ; attempt++) {
      long claimed = NOT_CLAIMED;
      if (held(app.id(), m.id()) == null) {
        ObjectNode request = NODES.objectNode().put("op", "finish").put("messageId", m.id())
            .put("status", status);
        finalChunk.ifPresent(t -> request.put("last", t));
        StreamRelay.Sent sent = relay.send(app.id(), request);
        if (!sent.claimed()) {
          return answer(sent.answer()).path("finished").asBoolean();
        }
        claimed = sent.epoch();
      }
      Optional<Boolean> finished = finishHere(app, m, status, finalChunk, now, claimed);
      if (finished.isPresent()) {
        return finished.get();
      }
      if (attempt > 0) {
        throw FunctionException.unavailable("the stream of message '" + m.id() + "' was taken "
            + "over by other nodes twice while this node ended it; try again");
      }
      // another node holds it with a newer epoch: it is asked to end it
    }
  }

  /** {@link #finishHere}'s epoch when this node did not claim the stream: only a copy held here. */
  private static final long NOT_CLAIMED = Long.MIN_VALUE;

  /**
   * Ends a stream with the text held here, or (none held) the stored text: when this node won
   * the claim with {@code claimed} (or on a single node), read as it takes the epoch. Blocking.
   *
   * @return whether it was streaming; empty when another node holds it with a newer epoch (or,
   *     not {@code claimed}, no copy is held here)
   */
  private Optional<Boolean> finishHere(App app, Message m, String status,
      Optional<String> finalChunk, long now, long claimed) {
    Active a = active.remove(key(app.id(), m.id()));
    if (a != null && a.dormant) {
      synchronized (a) {
        a.finished = true;
        if (a.idle != null) {
          a.idle.cancel();
        }
      }
      a = null; // only watched: the stored text is the stream's
    }
    String text;
    long epoch;
    if (a == null) {
      if (claimed == NOT_CLAIMED) {
        return Optional.empty();
      }
      epoch = claimed;
      Message from = m;
      if (epoch != StreamRelay.UNFENCED) {
        Optional<Message> taken = take(app, m.id(), epoch);
        if (taken.isEmpty()) {
          relay.notTaken(app.id(), m.id());
          return streamingNow(app, m.id()) ? Optional.empty() : Optional.of(false);
        }
        from = taken.get();
      }
      text = from.content() + finalChunk.orElse("");
    } else {
      synchronized (a) {
        if (a.finished) {
          // dropped meanwhile (another node took it over), or ended by another call here
          return a.replaced ? Optional.empty() : Optional.of(false);
        }
        a.finished = true;
        if (a.idle != null) {
          a.idle.cancel();
        }
        finalChunk.ifPresent(a.text::append);
        text = a.text.toString();
        epoch = a.epoch;
      }
    }
    if (store.finishStream(app.id(), m.id(), text, status, now, epoch)) {
      relay.ended(app.id(), m.id());
      return Optional.of(true);
    }
    if (a == null) {
      relay.notTaken(app.id(), m.id());
    }
    if (streamingNow(app, m.id())) {
      // a node with a newer epoch holds it (this node's copy, if any, was taken for gone)
      if (a != null) {
        synchronized (a) {
          a.replaced = true;
        }
        LOG.info("stream of message '{}' dropped here (its end was refused): epoch {} is no "
            + "longer its holder's", m.id(), epoch);
      }
      return Optional.empty();
    }
    return Optional.of(false);
  }

  private void armIdle(Active a) {
    long idleMillis = a.app.messages().streamIdleSeconds() * 1000L;
    a.idle = expiry.schedule(a.lastChunkAt + idleMillis, () -> idleCheck(a));
  }

  /** On the expiry thread: ends the stream as {@code timeout} unless a chunk came meanwhile. */
  private void idleCheck(Active a) {
    long now = expiry.clock().millis();
    long idleMillis = a.app.messages().streamIdleSeconds() * 1000L;
    if (a.dormant) {
      writes.write("stream idle " + a.key(), () -> dormantCheck(a, idleMillis));
      return;
    }
    synchronized (a) {
      if (a.finished) {
        return;
      }
      if (a.lastChunkAt + idleMillis > now) {
        armIdle(a);
        return;
      }
      a.finished = true;
    }
    active.remove(a.key(), a);
    writes.write("stream " + a.key(), () -> {
      String text;
      synchronized (a) {
        text = a.text.toString();
      }
      if (store.finishStream(a.app.id(), a.messageId, text, "timeout", now, a.epoch)) {
        relay.ended(a.app.id(), a.messageId);
        changed(a);
        store.message(a.app.id(), a.messageId).ifPresent(done -> live.toConversation(a.app,
            a.conversationId, "message-updated", done.toJson()));
        changes.changed(ConversationFunctions.memberKeys(a.app.id(),
            store.members(a.app.id(), a.conversationId)));
      }
    });
  }

  /**
   * A watched stream's idle time is up: unless the store shows an update since (its holder
   * stores the text at least every {@link #COALESCE_MILLIS} while chunks come), it ends as
   * {@code timeout} with its stored text. Blocking.
   */
  private void dormantCheck(Active a, long idleMillis) {
    synchronized (a) {
      if (a.finished) {
        return;
      }
    }
    Optional<ConversationStore.Watched> seen = store.watchStream(a.app.id(), a.messageId);
    long now = expiry.clock().millis();
    if (seen.isEmpty()) {
      active.remove(a.key(), a);
      return;
    }
    Message m = seen.get().message();
    synchronized (a) {
      if (a.finished) {
        return;
      }
      if (m.updatedAt() + idleMillis > now) {
        a.lastChunkAt = m.updatedAt();
        armIdle(a);
        return;
      }
      a.finished = true;
    }
    active.remove(a.key(), a);
    // a watcher holds no epoch: it ends the stream only if nothing changed since it read it (no
    // flush, no takeover by a node that claimed it meanwhile), and keeps the stored text
    if (store.timeoutStream(a.app.id(), seen.get(), now)) {
      relay.ended(a.app.id(), a.messageId);
      changed(a);
      store.message(a.app.id(), a.messageId).ifPresent(done -> live.toConversation(a.app,
          a.conversationId, "message-updated", done.toJson()));
      changes.changed(ConversationFunctions.memberKeys(a.app.id(),
          store.members(a.app.id(), a.conversationId)));
    } else {
      // changed since it was read (flushed, or taken over): watched again while it streams
      resumeWatching(a);
    }
  }

  /** A watched stream found held after all: watched again (unless held or watched here now). */
  private void resumeWatching(Active a) {
    store.message(a.app.id(), a.messageId).filter(Message::streaming).ifPresent(m ->
        active.computeIfAbsent(a.key(), k -> {
          Active w = new Active(a.app, m, m.updatedAt());
          w.dormant = true;
          synchronized (w) {
            armIdle(w);
          }
          return w;
        }));
  }

  private void changed(Active a) {
    changes.changed(List.of(DependencyKey.of(a.app.id(), ConversationFunctions.CONVERSATION,
        a.conversationId)));
  }
}
