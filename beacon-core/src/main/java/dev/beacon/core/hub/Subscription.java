package dev.beacon.core.hub;

import java.util.Optional;

/** One subscriber's membership of one channel. */
public final class Subscription {

  private final Channel channel;
  private final Subscriber subscriber;
  private final String userId;
  long joinedVersion;
  int slot = -1;
  /** Frames held while a cluster join is unanswered, replayed after it; lane thread only. */
  java.util.List<Held> pending;
  /** Set once unsubscribed (or refused); lane thread only. */
  boolean left;
  /**
   * A cache channel's subscription in a cluster whose channel's latest event reached it live
   * while the cluster was asked for the last one: it needs no replay. Lane thread only.
   */
  boolean heardLive;

  /** Most frames held for a joining subscription; later ones are dropped. */
  static final int MAX_HELD = 1024;

  record Held(byte[] frame, long version) {}

  Subscription(Channel channel, Subscriber subscriber, String userId) {
    this.channel = channel;
    this.subscriber = subscriber;
    this.userId = userId;
  }

  public Channel channel() {
    return channel;
  }

  public Subscriber subscriber() {
    return subscriber;
  }

  /**
   * Whether a cache channel's newest event reached this subscription live while it was being
   * set up (in a cluster): the subscriber then gets no replay of the last event, nor a miss.
   * Lane thread only.
   */
  public boolean heardLive() {
    return heardLive;
  }

  /** The presence user id this subscription joined as. */
  public Optional<String> userId() {
    return Optional.ofNullable(userId);
  }
}
