package dev.beacon.core.social;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.core.app.App;

/**
 * How features reach Pusher clients: events on a user's {@code private-user-{userId}} channel and
 * on a room's {@code presence-room-{roomId}} channel (the conventions of docs/FUNCTIONS.md).
 */
public interface LiveEvents {

  LiveEvents NONE = new LiveEvents() {
    @Override
    public void toUser(App app, String userId, String event, JsonNode data) {}

    @Override
    public void toRoom(App app, String roomId, String event, JsonNode data) {}
  };

  void toUser(App app, String userId, String event, JsonNode data);

  void toRoom(App app, String roomId, String event, JsonNode data);

  static String userChannel(String userId) {
    return "private-user-" + userId;
  }

  static String roomChannel(String roomId) {
    return "presence-room-" + roomId;
  }
}
