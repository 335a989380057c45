package dev.beacon.protocol.pusher;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.protocol.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Encodes and decodes Pusher Channels WebSocket messages (protocol versions 5 to 7).
 *
 * <p>"All events received and sent by clients can contain a data field ... Pusher Channels tries to
 * send the data field as a string": channel-scoped events carry their data JSON-encoded in a string;
 * {@code pusher:error}, {@code pusher:signin_success} and {@code pusher:subscription_error} carry a
 * JSON object, as the official clients read them. Every outbound message has a {@code data} field,
 * because pusher-java-client reads it unconditionally.
 */
public final class PusherCodec {

  private PusherCodec() {}

  // ---------------------------------------------------------------- decoding

  /**
   * Decodes one text frame from a client.
   *
   * @throws PusherProtocolException if the frame is not a Pusher message
   */
  public static ClientMessage decode(String text) {
    if (text.startsWith(SUBSCRIBE_START)) {
      ClientMessage.Subscribe fast = subscribe(text);
      if (fast != null) {
        return fast;
      }
    }
    return decodeTree(text);
  }

  /** How pusher-js and the other clients begin a subscription (the event's name first). */
  private static final String SUBSCRIBE_START = "{\"event\":\"pusher:subscribe\"";

  /**
   * A {@code pusher:subscribe} read with Jackson's streaming parser instead of a tree: every
   * connection sends one, and building the tree cost more than the rest of reading it. Only the
   * common form is read here (an object whose {@code data} is an object with string fields);
   * anything else, including every error, returns null and is read by {@link #decodeTree}, which
   * then decides and words it exactly as before. The parser is the same strict one (duplicate
   * keys and excessive nesting are errors).
   */
  static ClientMessage.Subscribe subscribe(String text) {
    try (JsonParser p = Json.factory().createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      String event = null;
      String channel = null;
      String auth = null;
      String channelData = null;
      boolean data = false;
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("event")) {
          if (value != JsonToken.VALUE_STRING) {
            return null;
          }
          event = p.getText();
        } else if (field.equals("data")) {
          if (value != JsonToken.START_OBJECT) {
            return null; // a string holding the object, or not an object: the tree's to read
          }
          data = true;
          while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (name.equals("channel")) {
              if (v != JsonToken.VALUE_STRING) {
                return null;
              }
              channel = p.getText();
            } else if (name.equals("auth") || name.equals("channel_data")) {
              String s;
              if (v == JsonToken.VALUE_STRING) {
                s = p.getText();
              } else if (v == JsonToken.VALUE_NULL) {
                s = null;
              } else {
                return null;
              }
              if (name.equals("auth")) {
                auth = s;
              } else {
                channelData = s;
              }
            } else {
              p.skipChildren();
            }
          }
          if (t != JsonToken.END_OBJECT) {
            return null;
          }
        } else {
          p.skipChildren();
        }
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
        return null;
      }
      if (!"pusher:subscribe".equals(event) || !data || channel == null) {
        return null;
      }
      return new ClientMessage.Subscribe(channel, Optional.ofNullable(auth),
          Optional.ofNullable(channelData));
    } catch (IOException e) {
      return null;
    }
  }

  static ClientMessage decodeTree(String text) {
    JsonNode root;
    try {
      root = Json.parse(text);
    } catch (IllegalArgumentException e) {
      throw new PusherProtocolException("Invalid JSON: " + e.getMessage());
    }
    if (!root.isObject()) {
      throw new PusherProtocolException("A message must be a JSON object with an 'event'");
    }
    JsonNode eventNode = root.get("event");
    if (eventNode == null || !eventNode.isTextual()) {
      throw new PusherProtocolException("A message must have a string 'event'");
    }
    String event = eventNode.textValue();
    JsonNode data = root.get("data");
    switch (event) {
      case "pusher:ping":
        return new ClientMessage.Ping();
      case "pusher:pong":
        return new ClientMessage.Pong();
      case "pusher:subscribe": {
        JsonNode body = objectData(event, data);
        return new ClientMessage.Subscribe(
            requiredString(event, body, "channel"),
            optionalString(event, body, "auth"),
            optionalString(event, body, "channel_data"));
      }
      case "pusher:unsubscribe":
        return new ClientMessage.Unsubscribe(
            requiredString(event, objectData(event, data), "channel"));
      case "pusher:signin": {
        JsonNode body = objectData(event, data);
        return new ClientMessage.Signin(
            requiredString(event, body, "auth"), requiredString(event, body, "user_data"));
      }
      default:
        if (event.startsWith("client-")) {
          JsonNode channel = root.get("channel");
          if (channel == null || !channel.isTextual()) {
            throw new PusherProtocolException("Client event '" + abbreviate(event)
                + "' must have a string 'channel'");
          }
          String dataJson = data == null ? "null" : Json.write(data);
          return new ClientMessage.ClientEvent(event, channel.textValue(), dataJson);
        }
        return new ClientMessage.Unknown(event);
    }
  }

  /** The data of a {@code pusher:} event must be an object, or a string holding one. */
  private static JsonNode objectData(String event, JsonNode data) {
    JsonNode body = data;
    if (body != null && body.isTextual()) {
      try {
        body = Json.parse(body.textValue());
      } catch (IllegalArgumentException e) {
        throw new PusherProtocolException("'" + event + "' data is not valid JSON");
      }
    }
    if (body == null || !body.isObject()) {
      throw new PusherProtocolException("'" + event + "' needs a 'data' object");
    }
    return body;
  }

  private static String requiredString(String event, JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || !value.isTextual()) {
      throw new PusherProtocolException("'" + event + "' needs a string data." + field);
    }
    return value.textValue();
  }

  private static Optional<String> optionalString(String event, JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isTextual()) {
      throw new PusherProtocolException("'" + event + "' data." + field + " must be a string");
    }
    return Optional.of(value.textValue());
  }

  private static String abbreviate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }

  // ---------------------------------------------------------------- encoding

  /** Encodes a server message as the UTF-8 bytes of one text frame. */
  public static byte[] encode(ServerMessage message) {
    // the two messages every connection gets on opening and subscribing, written directly (a
    // JSON generator, and for connection_established a second one for its data, cost more than
    // the rest of the connection's set-up in the session); the same bytes as the generator's
    if (message instanceof ServerMessage.SubscriptionSucceeded m && plain(m.channel())) {
      return ("{\"event\":\"pusher_internal:subscription_succeeded\",\"channel\":\""
          + m.channel() + "\",\"data\":\"{}\"}").getBytes(StandardCharsets.US_ASCII);
    }
    if (message instanceof ServerMessage.ConnectionEstablished m && plain(m.socketId())) {
      return ("{\"event\":\"pusher:connection_established\",\"data\":\"{\\\"socket_id\\\":\\\""
          + m.socketId() + "\\\",\\\"activity_timeout\\\":" + m.activityTimeoutSeconds() + "}\"}")
          .getBytes(StandardCharsets.US_ASCII);
    }
    return Json.bytes(gen -> write(gen, message));
  }

  /**
   * Whether a string is printable ASCII with nothing JSON escapes (no quote, no backslash), so
   * that it can be written between quotes as it is, also inside a string holding JSON.
   */
  private static boolean plain(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  /** Encodes a server message as text. */
  public static String encodeToString(ServerMessage message) {
    return Json.string(gen -> write(gen, message));
  }

  private static void write(JsonGenerator gen, ServerMessage message) throws IOException {
    gen.writeStartObject();
    if (message instanceof ServerMessage.ChannelEvent m) {
      // the hot path: encoded once per publication, whatever the number of subscribers
      gen.writeStringField("event", m.event());
      gen.writeStringField("channel", m.channel());
      gen.writeFieldName("data");
      gen.writeRawValue(m.dataJson());
      if (m.userId().isPresent()) {
        gen.writeStringField("user_id", m.userId().get());
      }
    } else if (message instanceof ServerMessage.ConnectionEstablished m) {
      gen.writeStringField("event", "pusher:connection_established");
      gen.writeStringField("data", Json.string(d -> {
        d.writeStartObject();
        d.writeStringField("socket_id", m.socketId());
        d.writeNumberField("activity_timeout", m.activityTimeoutSeconds());
        d.writeEndObject();
      }));
    } else if (message instanceof ServerMessage.Error m) {
      gen.writeStringField("event", "pusher:error");
      gen.writeObjectFieldStart("data");
      if (m.code().isPresent()) {
        gen.writeNumberField("code", m.code().get());
      } else {
        gen.writeNullField("code");
      }
      gen.writeStringField("message", m.message());
      gen.writeEndObject();
    } else if (message instanceof ServerMessage.Ping) {
      gen.writeStringField("event", "pusher:ping");
      gen.writeStringField("data", "{}");
    } else if (message instanceof ServerMessage.Pong) {
      gen.writeStringField("event", "pusher:pong");
      gen.writeStringField("data", "{}");
    } else if (message instanceof ServerMessage.SubscriptionSucceeded m) {
      gen.writeStringField("event", "pusher_internal:subscription_succeeded");
      gen.writeStringField("channel", m.channel());
      gen.writeStringField("data", "{}");
    } else if (message instanceof ServerMessage.PresenceSubscriptionSucceeded m) {
      gen.writeStringField("event", "pusher_internal:subscription_succeeded");
      gen.writeStringField("channel", m.channel());
      gen.writeStringField("data", Json.string(d -> {
        d.writeStartObject();
        d.writeObjectFieldStart("presence");
        d.writeArrayFieldStart("ids");
        for (ServerMessage.Member member : m.members()) {
          d.writeString(member.userId());
        }
        d.writeEndArray();
        d.writeObjectFieldStart("hash");
        for (ServerMessage.Member member : m.members()) {
          d.writeFieldName(member.userId());
          d.writeRawValue(member.userInfoJson());
        }
        d.writeEndObject();
        d.writeNumberField("count", m.members().size());
        d.writeEndObject();
        d.writeEndObject();
      }));
    } else if (message instanceof ServerMessage.SubscriptionError m) {
      gen.writeStringField("event", "pusher:subscription_error");
      gen.writeStringField("channel", m.channel());
      gen.writeObjectFieldStart("data");
      gen.writeStringField("type", m.type());
      gen.writeStringField("error", m.error());
      gen.writeNumberField("status", m.status());
      gen.writeEndObject();
    } else if (message instanceof ServerMessage.MemberAdded m) {
      gen.writeStringField("event", "pusher_internal:member_added");
      gen.writeStringField("channel", m.channel());
      gen.writeStringField("data", Json.string(d -> {
        d.writeStartObject();
        d.writeStringField("user_id", m.member().userId());
        d.writeFieldName("user_info");
        d.writeRawValue(m.member().userInfoJson());
        d.writeEndObject();
      }));
    } else if (message instanceof ServerMessage.MemberRemoved m) {
      gen.writeStringField("event", "pusher_internal:member_removed");
      gen.writeStringField("channel", m.channel());
      gen.writeStringField("data", Json.string(d -> {
        d.writeStartObject();
        d.writeStringField("user_id", m.userId());
        d.writeEndObject();
      }));
    } else if (message instanceof ServerMessage.CacheMiss m) {
      gen.writeStringField("event", "pusher:cache_miss");
      gen.writeStringField("channel", m.channel());
      gen.writeStringField("data", "{}");
    } else if (message instanceof ServerMessage.SigninSuccess m) {
      gen.writeStringField("event", "pusher:signin_success");
      gen.writeObjectFieldStart("data");
      gen.writeStringField("user_data", m.userData());
      gen.writeEndObject();
    } else if (message instanceof ServerMessage.WatchlistEvents m) {
      gen.writeStringField("event", "pusher_internal:watchlist_events");
      gen.writeStringField("data", Json.string(d -> {
        d.writeStartObject();
        d.writeArrayFieldStart("events");
        for (ServerMessage.WatchlistEvent e : m.events()) {
          d.writeStartObject();
          d.writeStringField("name", e.name());
          d.writeArrayFieldStart("user_ids");
          for (String id : e.userIds()) {
            d.writeString(id);
          }
          d.writeEndArray();
          d.writeEndObject();
        }
        d.writeEndArray();
        d.writeEndObject();
      }));
    } else if (message instanceof ServerMessage.SubscriptionCount m) {
      gen.writeStringField("event", "pusher_internal:subscription_count");
      gen.writeStringField("channel", m.channel());
      gen.writeStringField("data", "{\"subscription_count\":" + m.count() + "}");
    } else {
      throw new IllegalStateException("unencodable message " + message);
    }
    gen.writeEndObject();
  }
}
