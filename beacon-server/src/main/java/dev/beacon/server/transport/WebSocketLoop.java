package dev.beacon.server.transport;

import dev.beacon.core.hub.Lane;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the WebSockets of one event loop share: the loop's lane, its shared frame, the limits,
 * and the server-wide socket count.
 * Used on the loop's thread only, but for {@link #openSockets}.
 */
final class WebSocketLoop {

  final Lane lane;
  final SharedFrame sharedFrame = new SharedFrame();
  final long maxBufferedBytes;
  final AtomicInteger openSockets;

  WebSocketLoop(Lane lane, long maxBufferedBytes, AtomicInteger openSockets) {
    this.lane = lane;
    this.maxBufferedBytes = maxBufferedBytes;
    this.openSockets = openSockets;
  }
}
