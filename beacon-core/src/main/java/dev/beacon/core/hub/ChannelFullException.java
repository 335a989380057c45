package dev.beacon.core.hub;

/** A presence channel already has its app's maximum number of members. */
public final class ChannelFullException extends RuntimeException {

  private final int limit;

  public ChannelFullException(String channel, int limit) {
    super("presence channel '" + channel + "' is full (" + limit + " members)", null, false, false);
    this.limit = limit;
  }

  public int limit() {
    return limit;
  }
}
