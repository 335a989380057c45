package dev.beacon.server.dashboard;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.console.DebugConsole;
import dev.beacon.core.time.Clock;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The debug console's memory: for each configured app, a ring of its most recent entries
 * (connections, subscriptions, client and API events, function calls, errors), oldest dropped
 * first. Payloads and messages are truncated, so an entry stays small whatever was sent. Entries
 * for unknown app ids are ignored, so memory is bounded by apps × capacity.
 */
public final class EventConsole implements DebugConsole {

  /** Longest payload kept, in characters; longer ones are cut and marked. */
  static final int MAX_DATA_CHARS = 200;
  static final int MAX_MESSAGE_CHARS = 300;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Map<String, Ring> rings = new HashMap<>();
  private final Clock clock;

  public EventConsole(Apps apps, int capacity, Clock clock) {
    this.clock = clock;
    for (App app : apps.all()) {
      rings.put(app.id(), new Ring(capacity));
    }
  }

  /** One app's entries, oldest first, guarded by itself. */
  private static final class Ring {
    final int capacity;
    final ArrayDeque<ObjectNode> entries;
    long lastSeq;

    Ring(int capacity) {
      this.capacity = capacity;
      this.entries = new ArrayDeque<>(capacity);
    }
  }

  /**
   * The app's entries after {@code afterSeq} (0 for all), oldest first, and the last sequence
   * number, to pass as {@code afterSeq} next time.
   */
  public ObjectNode after(String appId, long afterSeq) {
    ObjectNode out = NODES.objectNode();
    ArrayNode list = out.putArray("entries");
    Ring ring = rings.get(appId);
    if (ring == null) {
      out.put("last", 0);
      return out;
    }
    synchronized (ring) {
      for (ObjectNode e : ring.entries) {
        if (e.get("seq").asLong() > afterSeq) {
          list.add(e.deepCopy());
        }
      }
      out.put("last", ring.lastSeq);
    }
    return out;
  }

  private void add(String appId, String type, java.util.function.Consumer<ObjectNode> fields) {
    Ring ring = rings.get(appId);
    if (ring == null) {
      return;
    }
    ObjectNode e = NODES.objectNode();
    e.put("time", clock.millis());
    e.put("type", type);
    fields.accept(e);
    synchronized (ring) {
      e.put("seq", ++ring.lastSeq);
      if (ring.entries.size() == ring.capacity) {
        ring.entries.removeFirst();
      }
      ring.entries.addLast(e);
    }
  }

  @Override
  public void connected(String appId, String socketId, int protocol) {
    add(appId, "connection", e -> e.put("socketId", socketId).put("protocol", protocol));
  }

  @Override
  public void disconnected(String appId, String socketId) {
    add(appId, "disconnection", e -> e.put("socketId", socketId));
  }

  @Override
  public void subscribed(String appId, String socketId, String channel, Optional<String> userId) {
    add(appId, "subscribed", e -> {
      e.put("socketId", socketId).put("channel", channel);
      userId.ifPresent(u -> e.put("userId", u));
    });
  }

  @Override
  public void unsubscribed(String appId, String socketId, String channel) {
    add(appId, "unsubscribed", e -> e.put("socketId", socketId).put("channel", channel));
  }

  @Override
  public void leftOnClose(String appId, String socketId, String channel, Optional<String> userId) {
    add(appId, "unsubscribed", e -> {
      e.put("socketId", socketId).put("channel", channel).put("reason", "connection closed");
      userId.ifPresent(u -> e.put("userId", u));
    });
  }

  @Override
  public void clientEvent(String appId, String socketId, String channel, String event,
      String dataJson) {
    add(appId, "client_event", e -> e.put("socketId", socketId).put("channel", channel)
        .put("event", event).put("data", truncate(dataJson, MAX_DATA_CHARS)));
  }

  @Override
  public void apiEvent(String appId, List<String> channels, String event, String data) {
    add(appId, "api_message", e -> e.put("channel", truncate(String.join(", ", channels), MAX_DATA_CHARS))
        .put("event", event).put("data", truncate(data, MAX_DATA_CHARS)));
  }

  @Override
  public void functionCall(String appId, String path, String caller, String outcome, long nanos) {
    add(appId, "function", e -> e.put("function", path).put("caller", caller)
        .put("outcome", outcome).put("millis", Math.round(nanos / 10_000.0) / 100.0));
  }

  @Override
  public void error(String appId, Optional<String> socketId, int code, String message) {
    add(appId, "error", e -> {
      socketId.ifPresent(s -> e.put("socketId", s));
      if (code != 0) {
        e.put("code", code);
      }
      e.put("message", truncate(message, MAX_MESSAGE_CHARS));
    });
  }

  /** Cuts {@code s} to {@code max} characters, saying how long it was. */
  static String truncate(String s, int max) {
    if (s.length() <= max) {
      return s;
    }
    int bytes = s.getBytes(StandardCharsets.UTF_8).length;
    int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
    return s.substring(0, end) + "… (" + bytes + " bytes)";
  }
}
