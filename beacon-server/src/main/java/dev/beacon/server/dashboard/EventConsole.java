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
import java.util.ArrayList;
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
    final ArrayDeque<Entry> entries;
    long lastSeq;

    Ring(int capacity) {
      this.capacity = capacity;
      this.entries = new ArrayDeque<>(capacity);
    }
  }

  /**
   * One entry as recorded: its fields as name-value pairs in the order they are shown (a value
   * that is null is left out), turned into JSON only when the dashboard asks. Recording an entry
   * on a connection's path costs this object and its small array, not a JSON tree.
   */
  private record Entry(long seq, long time, String type, Object[] fields) {
    ObjectNode json() {
      ObjectNode e = NODES.objectNode();
      e.put("time", time);
      e.put("type", type);
      for (int i = 0; i < fields.length; i += 2) {
        Object v = fields[i + 1];
        String name = (String) fields[i];
        if (v instanceof String text) {
          e.put(name, text);
        } else if (v instanceof Integer n) {
          e.put(name, n);
        } else if (v instanceof Double d) {
          e.put(name, d);
        }
      }
      e.put("seq", seq);
      return e;
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
    List<Entry> page = new ArrayList<>();
    long last;
    synchronized (ring) {
      for (Entry e : ring.entries) {
        if (e.seq() > afterSeq) {
          page.add(e);
        }
      }
      last = ring.lastSeq;
    }
    for (Entry e : page) {
      list.add(e.json());
    }
    out.put("last", last);
    return out;
  }

  /** Records an entry of {@code type} with {@code fields}: name, value, name, value, ... */
  private void add(String appId, String type, Object... fields) {
    Ring ring = rings.get(appId);
    if (ring == null) {
      return;
    }
    long time = clock.millis();
    synchronized (ring) {
      if (ring.entries.size() == ring.capacity) {
        ring.entries.removeFirst();
      }
      ring.entries.addLast(new Entry(++ring.lastSeq, time, type, fields));
    }
  }

  @Override
  public void connected(String appId, String socketId, int protocol) {
    add(appId, "connection", "socketId", socketId, "protocol", protocol);
  }

  @Override
  public void disconnected(String appId, String socketId) {
    add(appId, "disconnection", "socketId", socketId);
  }

  @Override
  public void subscribed(String appId, String socketId, String channel, Optional<String> userId) {
    add(appId, "subscribed", "socketId", socketId, "channel", channel, "userId", userId.orElse(null));
  }

  @Override
  public void unsubscribed(String appId, String socketId, String channel) {
    add(appId, "unsubscribed", "socketId", socketId, "channel", channel);
  }

  @Override
  public void leftOnClose(String appId, String socketId, String channel, Optional<String> userId) {
    add(appId, "unsubscribed", "socketId", socketId, "channel", channel, "reason",
        "connection closed", "userId", userId.orElse(null));
  }

  @Override
  public void clientEvent(String appId, String socketId, String channel, String event,
      String dataJson) {
    add(appId, "client_event", "socketId", socketId, "channel", channel, "event", event, "data",
        truncate(dataJson, MAX_DATA_CHARS));
  }

  @Override
  public void apiEvent(String appId, List<String> channels, String event, String data) {
    add(appId, "api_message", "channel", truncate(String.join(", ", channels), MAX_DATA_CHARS),
        "event", event, "data", truncate(data, MAX_DATA_CHARS));
  }

  @Override
  public void functionCall(String appId, String path, String caller, String outcome, long nanos) {
    add(appId, "function", "function", path, "caller", caller, "outcome", outcome, "millis",
        Math.round(nanos / 10_000.0) / 100.0);
  }

  @Override
  public void error(String appId, Optional<String> socketId, int code, String message) {
    add(appId, "error", "socketId", socketId.orElse(null), "code", code == 0 ? null : code,
        "message", truncate(message, MAX_MESSAGE_CHARS));
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
