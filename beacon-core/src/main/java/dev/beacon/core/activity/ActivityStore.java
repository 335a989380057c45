package dev.beacon.core.activity;

import java.util.List;
import java.util.Optional;

/** Durable friend activity. Blocking. */
public interface ActivityStore {

  /**
   * Stores an activity; with a request key, only if none was stored for that key before.
   *
   * @return the id stored under the request key (the earlier one, if there was one)
   */
  String insert(String appId, Activity activity, java.util.Optional<String> requestKey);

  /**
   * The newest activity of the given users created after {@code since}, with ids below {@code
   * beforeId} when given.
   */
  List<Activity> feed(String appId, List<String> userIds, long since, Optional<String> beforeId, int limit);

  /** Whether any of the users did anything after {@code after}. */
  boolean anyAfter(String appId, List<String> userIds, long after);

  /** Deletes up to {@code batch} activities created before {@code cutoff}; returns how many. */
  int deleteCreatedBefore(String appId, long cutoff, int batch);
}
