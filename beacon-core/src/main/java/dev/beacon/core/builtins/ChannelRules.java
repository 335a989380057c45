package dev.beacon.core.builtins;

import dev.beacon.core.app.App;
import dev.beacon.core.conversations.ConversationFunctions;
import dev.beacon.core.social.RoomRegistry;
import java.util.Optional;

/**
 * Which private and presence channels Beacon itself may sign for a signed-in user, so that
 * pusher-js apps need no authorization route of their own: the user's own {@code
 * private-user-{id}}, {@code presence-room-{id}} for a room it may enter (any, in an app with
 * open rooms; else the rooms the backend registered it in), and {@code
 * private-conversation-{id}} for a conversation it belongs to. Nothing else. Blocking.
 */
public final class ChannelRules {

  private static final String USER = "private-user-";
  private static final String ROOM = "presence-room-";
  private static final String CONVERSATION = "private-conversation-";

  private final RoomRegistry rooms;
  private final ConversationFunctions conversations;

  ChannelRules(RoomRegistry rooms, ConversationFunctions conversations) {
    this.rooms = rooms;
    this.conversations = conversations;
  }

  /** Empty when the user may subscribe to {@code channel}; else why not. */
  public Optional<String> refusal(App app, String userId, String channel) {
    if (channel.startsWith(USER)) {
      String owner = channel.substring(USER.length());
      return owner.equals(userId) ? Optional.empty()
          : Optional.of("'" + channel + "' is user '" + owner + "''s channel, not '" + userId + "''s");
    }
    if (channel.startsWith(ROOM)) {
      String room = channel.substring(ROOM.length());
      boolean may = conversations.membership(app.id(), room, userId).orElseGet(() ->
          app.functions().openRooms() || rooms.member(app.id(), room, userId)
              .map(RoomRegistry.Member::registered).orElse(false));
      return may ? Optional.empty()
          : Optional.of("user '" + userId + "' may not enter room '" + room + "'");
    }
    if (channel.startsWith(CONVERSATION)) {
      String id = channel.substring(CONVERSATION.length());
      return conversations.membership(app.id(), id, userId).orElse(false) ? Optional.empty()
          : Optional.of("user '" + userId + "' is not a member of conversation '" + id + "'");
    }
    return Optional.of("Beacon signs only private-user-{id}, presence-room-{id} and "
        + "private-conversation-{id} channels; '" + channel + "' needs the app's own auth route");
  }
}
