package dev.beacon.protocol.convex.sync;

/**
 * Where a connection's state stands: the query set version the client last sent, the timestamp
 * of the data, and the identity version. A Transition moves the client from one to the next, and
 * its start must equal the client's current version exactly.
 */
public record StateVersion(int querySet, long ts, int identity) {

  public static final StateVersion INITIAL = new StateVersion(0, 0, 0);

  public StateVersion {
    if (querySet < 0 || identity < 0 || ts < 0) {
      throw new IllegalArgumentException("versions are non-negative: " + querySet + ":" + ts + ":" + identity);
    }
  }
}
