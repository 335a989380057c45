package dev.beacon.core.social;

import dev.beacon.core.functions.Call;
import dev.beacon.core.functions.FunctionException;

/**
 * Who may enter a room: in an app with open rooms, any signed-in user; otherwise only the members
 * the app's backend registered. The backend may enter every room. Blocking for closed rooms.
 */
public final class RoomAccess {

  private final RoomRegistry registry;

  public RoomAccess(RoomRegistry registry) {
    this.registry = registry;
  }

  public boolean mayEnter(Call call, String roomId) {
    if (call.caller().trusted() || call.app().functions().openRooms()) {
      return true;
    }
    String user = call.endUser().orElseThrow(() -> FunctionException.unauthenticated(
        "this function needs a signed-in user"));
    call.read("roomRegistry", roomId);
    return registry.member(call.appId(), roomId, user).map(RoomRegistry.Member::registered).orElse(false);
  }

  /** Throws Forbidden unless the caller may enter the room. */
  public void requireEnter(Call call, String roomId) {
    if (!mayEnter(call, roomId)) {
      throw FunctionException.forbidden("user '" + call.endUser().orElse("?")
          + "' is not a member of room '" + roomId + "'");
    }
  }
}
