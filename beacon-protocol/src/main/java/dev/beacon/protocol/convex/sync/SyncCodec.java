package dev.beacon.protocol.convex.sync;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.protocol.convex.ConvexValues;
import dev.beacon.protocol.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Encodes and decodes Convex sync protocol messages as the {@code convex} npm client sends and
 * parses them. Timestamps travel as base64 of 8 little-endian bytes; every {@code logLines} is an
 * array (the client iterates it).
 */
public final class SyncCodec {

  private SyncCodec() {}

  /**
   * Decodes one client frame.
   *
   * @throws IllegalArgumentException naming what is malformed
   */
  public static SyncClientMessage decode(String text) {
    JsonNode m = Json.parse(text);
    if (!m.isObject()) {
      throw new IllegalArgumentException("a message must be a JSON object with a 'type'");
    }
    String type = text(m, "type");
    switch (type) {
      case "Connect":
        return new SyncClientMessage.Connect(text(m, "sessionId"), m.path("connectionCount").asInt(0),
            optionalText(m, "lastCloseReason"),
            optionalText(m, "maxObservedTimestamp").map(ConvexValues::decodeInt64));
      case "ModifyQuerySet": {
        List<SyncClientMessage.QueryChange> changes = new ArrayList<>();
        JsonNode list = m.get("modifications");
        if (list == null || !list.isArray()) {
          throw new IllegalArgumentException("ModifyQuerySet needs a 'modifications' array");
        }
        for (JsonNode c : list) {
          String kind = text(c, "type");
          if (kind.equals("Add")) {
            changes.add(new SyncClientMessage.Add(integer(c, "queryId"), text(c, "udfPath"), args(c)));
          } else if (kind.equals("Remove")) {
            changes.add(new SyncClientMessage.Remove(integer(c, "queryId")));
          } else {
            throw new IllegalArgumentException("unknown query set modification '" + kind + "'");
          }
        }
        return new SyncClientMessage.ModifyQuerySet(integer(m, "baseVersion"), integer(m, "newVersion"), changes);
      }
      case "Mutation":
        return new SyncClientMessage.Mutation(integer(m, "requestId"), text(m, "udfPath"), args(m));
      case "Action":
        return new SyncClientMessage.Action(integer(m, "requestId"), text(m, "udfPath"));
      case "Authenticate": {
        String tokenType = text(m, "tokenType");
        SyncClientMessage.TokenType t;
        switch (tokenType) {
          case "User":
            t = SyncClientMessage.TokenType.USER;
            break;
          case "Admin":
            t = SyncClientMessage.TokenType.ADMIN;
            break;
          case "None":
            t = SyncClientMessage.TokenType.NONE;
            break;
          default:
            throw new IllegalArgumentException("unknown tokenType '" + tokenType + "'");
        }
        JsonNode impersonating = m.get("impersonating");
        return new SyncClientMessage.Authenticate(t, optionalText(m, "value"), integer(m, "baseVersion"),
            impersonating == null || impersonating.isNull() ? Optional.empty() : Optional.of(impersonating));
      }
      case "Event":
        return new SyncClientMessage.Event(m.path("eventType").asText(""));
      default:
        throw new IllegalArgumentException("unknown message type '" + type + "'");
    }
  }

  private static JsonNode args(JsonNode m) {
    JsonNode args = m.get("args");
    if (args == null || !args.isArray() || args.size() != 1 || !args.get(0).isObject()) {
      throw new IllegalArgumentException("'args' must be an array holding one object");
    }
    return ConvexValues.fromJson(args.get(0));
  }

  private static String text(JsonNode m, String field) {
    JsonNode v = m.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException("'" + field + "' must be a string");
    }
    return v.textValue();
  }

  private static Optional<String> optionalText(JsonNode m, String field) {
    JsonNode v = m.get(field);
    return v == null || !v.isTextual() ? Optional.empty() : Optional.of(v.textValue());
  }

  private static int integer(JsonNode m, String field) {
    JsonNode v = m.get(field);
    if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < 0) {
      throw new IllegalArgumentException("'" + field + "' must be a non-negative integer");
    }
    return v.intValue();
  }

  // ------------------------------------------------------------------ encoding

  /** Encodes a server message as one text frame. */
  public static String encode(SyncServerMessage message) {
    return Json.string(gen -> write(gen, message));
  }

  /**
   * Encodes a server message as one text frame's UTF-8 bytes. A value given as raw JSON in a
   * {@link com.fasterxml.jackson.core.SerializableString} (whose UTF-8 bytes it keeps) is copied
   * in as bytes, not encoded again.
   */
  public static byte[] encodeBytes(SyncServerMessage message) {
    if (message instanceof SyncServerMessage.Transition t && rawUpdates(t)) {
      return transitionBytes(t);
    }
    return Json.bytes(gen -> write(gen, message));
  }

  /**
   * Whether every modification of a transition is a {@code QueryUpdated} whose value is raw JSON
   * kept as UTF-8 ({@link #rawUtf8}): what a live query's update is (the shared result of a
   * round), written by {@link #transitionBytes} without a generator.
   */
  private static boolean rawUpdates(SyncServerMessage.Transition t) {
    for (SyncServerMessage.StateModification mod : t.modifications()) {
      if (!(mod instanceof SyncServerMessage.QueryUpdated u) || rawUtf8(u.value()) == null) {
        return false;
      }
    }
    return true;
  }

  /** The UTF-8 of a value given as raw JSON in a {@code SerializableString}, else null. */
  private static byte[] rawUtf8(JsonNode value) {
    if (value instanceof com.fasterxml.jackson.databind.node.POJONode p
        && p.getPojo() instanceof com.fasterxml.jackson.databind.util.RawValue r
        && r.rawValue() instanceof com.fasterxml.jackson.core.SerializableString s) {
      return s.asUnquotedUTF8();
    }
    return null;
  }

  /**
   * A transition of raw query updates, written as bytes: the same bytes as the generator writes
   * ({@link #write}), with each value's UTF-8 copied once into the frame (a live query's result
   * sent to each of its watchers is the bulk of the frame, and the same bytes for all of them).
   */
  private static byte[] transitionBytes(SyncServerMessage.Transition t) {
    List<byte[]> parts = new ArrayList<>(2 * t.modifications().size() + 2);
    StringBuilder ascii = new StringBuilder(160);
    ascii.append("{\"type\":\"Transition\",");
    version(ascii, "startVersion", t.start()).append(',');
    version(ascii, "endVersion", t.end()).append(",\"modifications\":[");
    String separator = "";
    for (SyncServerMessage.StateModification mod : t.modifications()) {
      SyncServerMessage.QueryUpdated u = (SyncServerMessage.QueryUpdated) mod;
      ascii.append(separator).append("{\"type\":\"QueryUpdated\",\"queryId\":").append(u.queryId())
          .append(",\"value\":");
      parts.add(ascii.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      parts.add(rawUtf8(u.value()));
      ascii.setLength(0);
      ascii.append(",\"logLines\":[],\"journal\":null}");
      separator = ",";
    }
    ascii.append("]}");
    parts.add(ascii.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    int size = 0;
    for (byte[] p : parts) {
      size += p.length;
    }
    byte[] out = new byte[size];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  /** A state version as the generator writes it ({@link #version(JsonGenerator, String, StateVersion)}). */
  private static StringBuilder version(StringBuilder out, String field, StateVersion v) {
    // the timestamp is base64 (letters, digits, + / =): nothing in it is escaped
    return out.append('"').append(field).append("\":{\"querySet\":").append(v.querySet())
        .append(",\"ts\":\"").append(ConvexValues.encodeInt64(v.ts())).append("\",\"identity\":")
        .append(v.identity()).append('}');
  }

  private static void write(JsonGenerator g, SyncServerMessage message) throws IOException {
    g.writeStartObject();
    if (message instanceof SyncServerMessage.Transition t) {
      g.writeStringField("type", "Transition");
      version(g, "startVersion", t.start());
      version(g, "endVersion", t.end());
      g.writeArrayFieldStart("modifications");
      for (SyncServerMessage.StateModification mod : t.modifications()) {
        g.writeStartObject();
        if (mod instanceof SyncServerMessage.QueryUpdated u) {
          g.writeStringField("type", "QueryUpdated");
          g.writeNumberField("queryId", u.queryId());
          g.writeFieldName("value");
          g.writeTree(u.value());
          g.writeArrayFieldStart("logLines");
          g.writeEndArray();
          g.writeNullField("journal");
        } else if (mod instanceof SyncServerMessage.QueryFailed f) {
          g.writeStringField("type", "QueryFailed");
          g.writeNumberField("queryId", f.queryId());
          g.writeStringField("errorMessage", f.errorMessage());
          g.writeArrayFieldStart("logLines");
          g.writeEndArray();
          if (f.errorData().isPresent()) {
            g.writeFieldName("errorData");
            g.writeTree(f.errorData().get());
          }
          g.writeNullField("journal");
        } else if (mod instanceof SyncServerMessage.QueryRemoved r) {
          g.writeStringField("type", "QueryRemoved");
          g.writeNumberField("queryId", r.queryId());
        }
        g.writeEndObject();
      }
      g.writeEndArray();
    } else if (message instanceof SyncServerMessage.MutationSucceeded s) {
      g.writeStringField("type", "MutationResponse");
      g.writeNumberField("requestId", s.requestId());
      g.writeBooleanField("success", true);
      g.writeFieldName("result");
      g.writeTree(s.result());
      g.writeStringField("ts", ConvexValues.encodeInt64(s.ts()));
      g.writeArrayFieldStart("logLines");
      g.writeEndArray();
    } else if (message instanceof SyncServerMessage.MutationFailed f) {
      g.writeStringField("type", "MutationResponse");
      g.writeNumberField("requestId", f.requestId());
      g.writeBooleanField("success", false);
      g.writeStringField("result", f.errorMessage());
      g.writeArrayFieldStart("logLines");
      g.writeEndArray();
      if (f.errorData().isPresent()) {
        g.writeFieldName("errorData");
        g.writeTree(f.errorData().get());
      }
    } else if (message instanceof SyncServerMessage.ActionFailed f) {
      g.writeStringField("type", "ActionResponse");
      g.writeNumberField("requestId", f.requestId());
      g.writeBooleanField("success", false);
      g.writeStringField("result", f.errorMessage());
      g.writeArrayFieldStart("logLines");
      g.writeEndArray();
    } else if (message instanceof SyncServerMessage.AuthError e) {
      g.writeStringField("type", "AuthError");
      g.writeStringField("error", e.error());
      g.writeNumberField("baseVersion", e.baseVersion());
      g.writeBooleanField("authUpdateAttempted", e.authUpdateAttempted());
    } else if (message instanceof SyncServerMessage.FatalError e) {
      g.writeStringField("type", "FatalError");
      g.writeStringField("error", e.error());
    } else if (message instanceof SyncServerMessage.Ping) {
      g.writeStringField("type", "Ping");
    } else {
      throw new IllegalStateException("unencodable " + message);
    }
    g.writeEndObject();
  }

  private static void version(JsonGenerator g, String field, StateVersion v) throws IOException {
    g.writeObjectFieldStart(field);
    g.writeNumberField("querySet", v.querySet());
    g.writeStringField("ts", ConvexValues.encodeInt64(v.ts()));
    g.writeNumberField("identity", v.identity());
    g.writeEndObject();
  }
}
