package dev.beacon.server.transport;

import dev.beacon.core.pusher.PusherChannels;
import io.netty.channel.Channel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's WebSockets as a whole: the count of open sockets and a way to close every one of
 * them, for a drain or a stop.
 */
public final class WebSockets {

  private final PusherChannels pusher;
  private final AtomicInteger openSockets = new AtomicInteger();
  /** The listening sockets, learnt from the connections they accepted. */
  private final Set<Channel> listeners = ConcurrentHashMap.newKeySet();

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

  /** Notes the listening socket that accepted {@code connection}. */
  void accepted(Channel connection) {
    Channel listener = connection.parent();
    if (listener != null && !listeners.contains(listener)) {
      listeners.add(listener);
    }
  }

  /**
   * Stops accepting connections: closes the listening sockets, waiting up to a second for each.
   * Call before the HTTP servers close: a connection accepted while Vert.x takes its servers down
   * finds no event loop to run on and Netty logs it with a stack trace. (A listening socket is
   * known once it has accepted a connection; Vert.x does not expose it otherwise.)
   */
  public void stopAccepting() {
    for (Channel listener : listeners) {
      listener.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    }
  }
}
