package dev.beacon.core.shapes;

import java.util.List;
import java.util.Optional;

/** Which event each room belongs to (event rooms), set by the app's backend. Durable; blocking. */
public interface RoomEvents {

  /** Puts the room in the event, taking it out of any other. */
  void assign(String appId, String roomId, String eventId);

  /** Takes the room out of its event, if it is in one. */
  void unassign(String appId, String roomId);

  Optional<String> eventOf(String appId, String roomId);

  /** The event's rooms, in id order. */
  List<String> rooms(String appId, String eventId, int limit);
}
