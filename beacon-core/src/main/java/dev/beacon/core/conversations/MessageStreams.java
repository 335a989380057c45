package dev.beacon.core.conversations;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.beacon.core.app.App;
import dev.beacon.core.functions.Changes;
import dev.beacon.core.functions.DependencyKey;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.core.social.LiveEvents;
import dev.beacon.core.store.DurableWrites;
import dev.beacon.core.time.ExpiryScheduler;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

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
 */
public final class MessageStreams {

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
    ExpiryScheduler.Handle idle;

    Active(App app, Message m, long lastChunkAt) {
      this.app = app;
      this.messageId = m.id();
      this.conversationId = m.conversationId();
      this.authorId = m.authorId();
      this.text = new StringBuilder(m.content());
      this.bytes = m.content().getBytes(StandardCharsets.UTF_8).length;
      this.lastChunkAt = lastChunkAt;
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
    active.put(a.key(), a);
    synchronized (a) {
      armIdle(a);
    }
  }

  /**
   * Resumes the streams the store holds as {@code streaming} (after a restart): their idle time
   * counts from their last stored update. Blocking.
   */
  public void resume(App app) {
    for (Message m : store.allStreaming(app.id())) {
      active.computeIfAbsent(key(app.id(), m.id()), k -> {
        Active a = new Active(app, m, m.updatedAt());
        synchronized (a) {
          armIdle(a);
        }
        return a;
      });
    }
  }

  /** The author of a stream held here, if it is one. */
  Optional<String> authorOf(String appId, String messageId) {
    Active a = active.get(key(appId, messageId));
    return a == null ? Optional.empty() : Optional.of(a.authorId);
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
    Active a = active.computeIfAbsent(key(app.id(), m.id()), k -> {
      Active resumed = new Active(app, m, now); // stored as streaming, not held: a restart
      synchronized (resumed) {
        armIdle(resumed);
      }
      return resumed;
    });
    return append(app, a, chunk, now);
  }

  /** As {@link #append(App, Message, String, long)} for a stream held here, if it is. */
  Optional<long[]> appendHeld(App app, String messageId, String chunk, long now) {
    Active a = active.get(key(app.id(), messageId));
    return a == null ? Optional.empty() : Optional.of(append(app, a, chunk, now));
  }

  private long[] append(App app, Active a, String chunk, long now) {
    int seq;
    long length;
    synchronized (a) {
      if (a.finished) {
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
    live.toConversation(app, a.conversationId, "message-chunk", NODES.objectNode()
        .put("messageId", a.messageId).put("conversationId", a.conversationId).put("seq", seq)
        .put("text", chunk));
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
              a.lastChunkAt));
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
    for (Active a : batch.keySet()) {
      if (stored.contains(a.app.id() + '\u0000' + a.messageId)) {
        keys.add(DependencyKey.of(a.app.id(), ConversationFunctions.CONVERSATION, a.conversationId));
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
    Active a = active.remove(key(app.id(), m.id()));
    String text;
    if (a == null) {
      text = m.content() + finalChunk.orElse("");
    } else {
      synchronized (a) {
        a.finished = true;
        if (a.idle != null) {
          a.idle.cancel();
        }
        finalChunk.ifPresent(a.text::append);
        text = a.text.toString();
      }
    }
    return store.finishStream(app.id(), m.id(), text, status, now);
  }

  private void armIdle(Active a) {
    long idleMillis = a.app.messages().streamIdleSeconds() * 1000L;
    a.idle = expiry.schedule(a.lastChunkAt + idleMillis, () -> idleCheck(a));
  }

  /** On the expiry thread: ends the stream as {@code timeout} unless a chunk came meanwhile. */
  private void idleCheck(Active a) {
    long now = expiry.clock().millis();
    long idleMillis = a.app.messages().streamIdleSeconds() * 1000L;
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
      if (store.finishStream(a.app.id(), a.messageId, text, "timeout", now)) {
        changed(a);
        store.message(a.app.id(), a.messageId).ifPresent(done -> live.toConversation(a.app,
            a.conversationId, "message-updated", done.toJson()));
        changes.changed(ConversationFunctions.memberKeys(a.app.id(),
            store.members(a.app.id(), a.conversationId)));
      }
    });
  }

  private void changed(Active a) {
    changes.changed(List.of(DependencyKey.of(a.app.id(), ConversationFunctions.CONVERSATION,
        a.conversationId)));
  }
}
