package dev.beacon.core.pusher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.core.app.App;
import dev.beacon.core.hub.ChannelHub;
import dev.beacon.core.hub.OverloadedException;
import dev.beacon.core.social.LiveEvents;
import dev.beacon.protocol.json.Json;
import dev.beacon.protocol.pusher.ChannelName;
import dev.beacon.protocol.pusher.PusherCodec;
import dev.beacon.protocol.pusher.ServerMessage;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the features' events to Pusher channels: the data is sent JSON-encoded in a string,
 * as the HTTP API sends it, so pusher-js hands listeners the parsed object. An event that cannot
 * be published (the server is overloaded) is dropped and logged: Pusher delivery is at most once,
 * and the durable record is in the store.
 */
public final class PusherLiveEvents implements LiveEvents {

  private static final Logger LOG = LoggerFactory.getLogger(PusherLiveEvents.class);

  private final ChannelHub hub;
  private final Optional<PusherChannels> channels;

  public PusherLiveEvents(ChannelHub hub) {
    this(hub, Optional.empty());
  }

  /** @param channels ends subscriptions when access ends (a member removed from a conversation) */
  public PusherLiveEvents(ChannelHub hub, Optional<PusherChannels> channels) {
    this.hub = hub;
    this.channels = channels;
  }

  @Override
  public void toUser(App app, String userId, String event, JsonNode data) {
    // an id outside the channel alphabet (auth0|123) has no private-user channel: its signed-in
    // connections get the event on their #server-to-user channel (pusher.user.bind)
    publish(app, ChannelName.tryParse(LiveEvents.userChannel(userId))
        .or(() -> ChannelName.tryParse(ChannelName.serverToUser(userId))), event, data);
  }

  @Override
  public void toRoom(App app, String roomId, String event, JsonNode data) {
    publish(app, ChannelName.tryParse(LiveEvents.roomChannel(roomId)), event, data);
  }

  @Override
  public void toConversation(App app, String conversationId, String event, JsonNode data) {
    publish(app, ChannelName.tryParse(LiveEvents.conversationChannel(conversationId)), event, data);
  }

  /**
   * The chunk's frame written directly (the same bytes as {@link #toConversation} with the data
   * as a JSON tree: {@link #chunkFrame}), as one is published per streamed chunk.
   */
  @Override
  public void chunkToConversation(App app, String conversationId, String messageId, long seq,
      String text) {
    Optional<ChannelName> name = ChannelName.tryParse(LiveEvents.conversationChannel(conversationId));
    if (name.isEmpty()) {
      return;
    }
    byte[] frame = chunkFrame(name.get().value(), messageId, conversationId, seq, text);
    try {
      hub.publish(app, name.get(), frame, null, null);
    } catch (OverloadedException e) {
      LOG.warn("dropped 'message-chunk' to {}: {}", name.get().value(), e.getMessage());
    }
  }

  /**
   * The Pusher frame of {@code message-chunk {messageId, conversationId, seq, text}} on {@code
   * channel}: byte for byte what {@link PusherCodec#encode} makes of the event with that data
   * written as JSON and then quoted into the frame's {@code data} string (escaping is per
   * character, so the parts are escaped one by one: the text twice, once as a value in the data
   * and once as part of the data string).
   */
  static byte[] chunkFrame(String channel, String messageId, String conversationId, long seq,
      String text) {
    StringBuilder data = new StringBuilder(64 + text.length());
    data.append("{\"messageId\":").append(Json.quote(messageId)).append(",\"conversationId\":")
        .append(Json.quote(conversationId)).append(",\"seq\":").append(seq).append(",\"text\":")
        .append(Json.quote(text)).append('}');
    StringBuilder out = new StringBuilder(48 + channel.length() + data.length() * 5 / 4);
    out.append("{\"event\":\"message-chunk\",\"channel\":").append(Json.quote(channel))
        .append(",\"data\":");
    out.append('"');
    com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(data, out);
    out.append("\"}");
    return out.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  @Override
  public void endConversationAccess(App app, String conversationId, String userId) {
    ChannelName.tryParse(LiveEvents.conversationChannel(conversationId)).ifPresent(name ->
        channels.ifPresent(c -> c.endAccess(app, name.value(), userId, "user '" + userId
            + "' is no longer a member of conversation '" + conversationId + "'")));
  }

  private void publish(App app, Optional<ChannelName> name, String event, JsonNode data) {
    if (name.isEmpty()) {
      return;
    }
    String channel = name.get().value();
    byte[] frame = PusherCodec.encode(new ServerMessage.ChannelEvent(
        channel, event, Json.quote(Json.write(data)), Optional.empty()));
    try {
      hub.publish(app, name.get(), frame, null, null);
    } catch (OverloadedException e) {
      LOG.warn("dropped '{}' to {}: {}", event, channel, e.getMessage());
    }
  }
}
