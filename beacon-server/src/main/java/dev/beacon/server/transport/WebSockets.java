package dev.beacon.server.transport;

import dev.beacon.core.pusher.PusherChannels;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's WebSockets as a whole: the count of open sockets and a way to close every one of
 * them, for a drain or a stop.
 */
public final class WebSockets {

  private final PusherChannels pusher;
  private final AtomicInteger openSockets = new AtomicInteger();

  public WebSockets(PusherChannels pusher) {
    this.pusher = pusher;
  }

  /** TCP sockets of WebSockets, closing ones included (a slow consumer's until it is dropped). */
  public AtomicInteger openSockets() {
    return openSockets;
  }

  /**
   * Asks every client to reconnect: Pusher connections are closed with 4200, sync connections
   * with 1001, going away (every session is attached to its lane, and a sync session turns
   * Pusher's codes into 1001); the Convex client reconnects, to another node once this one is
   * out of the load balancer. Returns at once; the sockets close as their clients answer or the
   * close grace ends. Call it once new connections are refused (draining), or they keep coming.
   */
  public void closeAll(String reason) {
    pusher.closeAll(reason);
  }
}
