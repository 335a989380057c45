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

  /** The presence user id this subscription joined as. */
  public Optional<String> userId() {
    return Optional.ofNullable(userId);
  }
}
