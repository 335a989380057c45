package dev.beacon.core.social;

import dev.beacon.core.functions.Call;
import dev.beacon.core.functions.FunctionException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Who may see whom: an end user sees itself, its registered friends, and the users it shares a
 * room with (both present in it now, or both registered members); the app's backend sees
 * everyone in its app. Blocking.
 */
public final class Visibility {

  /** The rooms a user is present in right now, from the rooms feature. */
  public interface PresentRooms {
    Set<String> roomsOf(String appId, String userId);
  }

  private final FriendGraph friends;
  private final RoomRegistry rooms;
  private final PresentRooms present;

  public Visibility(FriendGraph friends, RoomRegistry rooms, PresentRooms present) {
    this.friends = friends;
    this.rooms = rooms;
    this.present = present;
  }

  /** Whether the caller may see {@code target}; records what the answer depended on. */
  public boolean canSee(Call call, String target) {
    if (call.caller().trusted()) {
      return true;
    }
    String viewer = call.endUser().orElseThrow(() -> dev.beacon.core.functions.FunctionException
        .unauthenticated("this function needs a signed-in user"));
    if (viewer.equals(target)) {
      return true;
    }
    call.read("friends", viewer);
    if (friends.isFriend(call.appId(), viewer, target)) {
      return true;
    }
    call.read("userRooms", viewer);
    call.read("userRooms", target);
    Set<String> viewerRooms = present.roomsOf(call.appId(), viewer);
    if (!viewerRooms.isEmpty()) {
      for (String room : present.roomsOf(call.appId(), target)) {
        if (viewerRooms.contains(room)) {
          return true;
        }
      }
    }
    // any change to room membership may change this answer (one key for all: such changes are
    // rare, made by the app's backend)
    call.read("registeredRooms", "*");
    List<String> registered = rooms.registeredRooms(call.appId(), viewer);
    if (!registered.isEmpty()) {
      Set<String> mine = new HashSet<>(registered);
      for (String room : rooms.registeredRooms(call.appId(), target)) {
        if (mine.contains(room)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Throws Forbidden unless the caller may see {@code target}. */
  public void requireVisible(Call call, String target, String what) {
    if (!canSee(call, target)) {
      throw FunctionException.forbidden("you may not see the " + what + " of user '" + target
          + "' (only your friends and people you share a room with)");
    }
  }
}
