package dev.beacon.bench.client;

/** What a socket speaks: Pusher to Beacon, or nothing beyond WebSocket to the baseline server. */
public enum WireProtocol {
  PUSHER,
  RAW
}
