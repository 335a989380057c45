package dev.beacon.core.presence;

import java.util.Optional;

/** Durable user presence: last seen time, chosen status and status message. Blocking. */
public interface PresenceStore {

  /** What was last stored for a user. */
  record Stored(String status, String statusMessage, long lastSeen) {}

  Optional<Stored> load(String appId, String userId);

  void saveLastSeen(String appId, String userId, long lastSeen);

  void saveStatus(String appId, String userId, String status, String statusMessage);
}
