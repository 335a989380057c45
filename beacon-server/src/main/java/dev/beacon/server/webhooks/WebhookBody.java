package dev.beacon.server.webhooks;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.beacon.core.webhook.WebhookEvent;
import dev.beacon.protocol.auth.Hmac;
import dev.beacon.protocol.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A webhook request's body as Pusher sends it, {@code {"time_ms": …, "events": [ … ]}}, and its
 * signature: the hex HMAC-SHA256 of exactly these bytes with the app's secret.
 */
record WebhookBody(byte[] bytes, String signature) {

  static WebhookBody of(long timeMillis, List<WebhookEvent> events, String secret) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128 + 96 * events.size());
    try (JsonGenerator g = Json.factory().createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("time_ms", timeMillis);
      g.writeArrayFieldStart("events");
      for (WebhookEvent e : events) {
        write(g, e);
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] bytes = out.toByteArray();
    return new WebhookBody(bytes, Hmac.sha256Hex(secret, new String(bytes, StandardCharsets.UTF_8)));
  }

  private static void write(JsonGenerator g, WebhookEvent e) throws IOException {
    g.writeStartObject();
    g.writeStringField("name", e.name());
    if (e.channel().isPresent()) {
      g.writeStringField("channel", e.channel().get());
    }
    if (e.event().isPresent()) {
      g.writeStringField("event", e.event().get());
    }
    if (e.data().isPresent()) {
      g.writeStringField("data", dataString(e.data().get()));
    }
    if (e.socketId().isPresent()) {
      g.writeStringField("socket_id", e.socketId().get());
    }
    if (e.userId().isPresent()) {
      g.writeStringField("user_id", e.userId().get());
    }
    if (e.subscriptionCount().isPresent()) {
      g.writeNumberField("subscription_count", e.subscriptionCount().get());
    }
    g.writeEndObject();
  }

  /**
   * A client event's {@code data} as Pusher's webhook carries it, a string: a string the client
   * sent as is, anything else as its JSON text.
   */
  static String dataString(String json) {
    try (JsonParser p = Json.factory().createParser(json)) {
      if (p.nextToken() == JsonToken.VALUE_STRING) {
        String value = p.getText();
        if (p.nextToken() == null) {
          return value;
        }
      }
    } catch (IOException e) {
      // not JSON after all: send it as it came
    }
    return json;
  }
}
