package dev.beacon.core.hub;

/** What the HTTP API reports about a channel. */
public record ChannelStats(boolean occupied, int subscriptionCount, int userCount) {

  public static final ChannelStats VACANT = new ChannelStats(false, 0, 0);
}
