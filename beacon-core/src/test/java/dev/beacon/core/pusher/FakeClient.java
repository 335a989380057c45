package dev.beacon.core.pusher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.core.hub.ManualLanes;
import dev.beacon.protocol.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** A connection whose transport records what the server wrote, for driving a session in tests. */
final class FakeClient implements PusherTransport {

  final ManualLanes lanes;
  PusherSession session;
  private final List<byte[]> unflushed = new ArrayList<>();
  final List<JsonNode> received = new ArrayList<>();
  int pings;
  Integer closeCode;
  String closeReason;

  FakeClient(ManualLanes lanes) {
    this.lanes = lanes;
  }

  @Override
  public void write(byte[] utf8Json) {
    unflushed.add(utf8Json);
  }

  @Override
  public void flush() {
    for (byte[] frame : unflushed) {
      received.add(Json.parse(new String(frame, StandardCharsets.UTF_8)));
    }
    unflushed.clear();
  }

  @Override
  public void ping() {
    pings++;
  }

  @Override
  public void close(int code, String reason) {
    if (closeCode == null) {
      closeCode = code;
      closeReason = reason;
      // the transport reports the close later, as a WebSocket's close handler does
      session.lane().submitControl(session::onClosed);
    }
  }

  /** Sends a text frame and lets every lane run. */
  FakeClient send(String json) {
    session.onText(json);
    lanes.runAll();
    return this;
  }

  /** The client hangs up. */
  void disconnect() {
    session.onClosed();
    lanes.runAll();
  }

  String socketId() {
    return session.socketId();
  }

  List<JsonNode> events(String name) {
    return received.stream().filter(n -> n.path("event").asText().equals(name))
        .collect(Collectors.toList());
  }

  JsonNode last(String name) {
    List<JsonNode> all = events(name);
    if (all.isEmpty()) {
      throw new AssertionError("no '" + name + "' among " + eventNames());
    }
    return all.get(all.size() - 1);
  }

  List<String> eventNames() {
    return received.stream().map(n -> n.path("event").asText()).collect(Collectors.toList());
  }

  /** The data of an event, parsed if it was sent as a string. */
  static JsonNode data(JsonNode event) {
    JsonNode data = event.get("data");
    return data.isTextual() ? Json.parse(data.textValue()) : data;
  }

  void clear() {
    received.clear();
  }
}
