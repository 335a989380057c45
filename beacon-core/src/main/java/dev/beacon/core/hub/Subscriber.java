package dev.beacon.core.hub;

/** A connection as the hub sees it: where it lives, who it is, and how to write to it. */
public interface Subscriber {

  Lane lane();

  /** The Pusher socket id, {@code \d+.\d+}, for excluding a publisher from its own event. */
  String socketId();

  /** Writes an encoded frame. Called on the subscriber's lane; flushed at the end of the batch. */
  void deliver(byte[] frame);
}
