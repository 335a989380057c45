package dev.beacon.core.hub;

import java.util.Optional;

/** One subscriber's membership of one channel. */
public final class Subscription {

  private final Channel channel;
  private final Subscriber subscriber;
  private final String userId;
  long joinedVersion;
  int slot = -1;

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
