package dev.beacon.core.pusher;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which user Beacon signed a private subscription for: {@code POST /pusher/auth} with the user's
 * JWT signs {@code socket_id:channel} for that user, and the Pusher protocol's private-channel
 * signature does not carry the user. Kept so that access can be ended later for that user alone
 * (a member removed from a conversation), on the node where the socket lives.
 *
 * <p>Bounded: at most {@link #MAX_GRANTS} grants are kept, each for {@link #TTL_MILLIS} (a client
 * subscribes right after it is signed; its session then keeps the user with the subscription).
 * The oldest go first. Thread-safe.
 */
public final class ChannelGrants {

  static final int MAX_GRANTS = 100_000;
  static final long TTL_MILLIS = 10 * 60_000L;

  private record Grant(String userId, long at) {}

  private final LinkedHashMap<String, Grant> grants = new LinkedHashMap<>();

  private static String key(String appId, String socketId, String channel) {
    return appId + '\u0000' + socketId + '\u0000' + channel;
  }

  /** Records that {@code channel} was signed for {@code socketId} as {@code userId}. */
  public void grant(String appId, String socketId, String channel, String userId, long now) {
    String key = key(appId, socketId, channel);
    synchronized (grants) {
      grants.remove(key); // re-inserted last: the map stays in time order
      grants.put(key, new Grant(userId, now));
      Iterator<Map.Entry<String, Grant>> oldest = grants.entrySet().iterator();
      while (oldest.hasNext()) {
        Map.Entry<String, Grant> e = oldest.next();
        if (grants.size() > MAX_GRANTS || e.getValue().at() + TTL_MILLIS < now) {
          oldest.remove();
        } else {
          break;
        }
      }
    }
  }

  /** The user a subscription was signed for, if this node knows it. */
  public Optional<String> userOf(String appId, String socketId, String channel, long now) {
    synchronized (grants) {
      Grant g = grants.get(key(appId, socketId, channel));
      return g == null || g.at() + TTL_MILLIS < now ? Optional.empty() : Optional.of(g.userId());
    }
  }

  /** Forgets a grant once its subscription has taken the user. */
  public void taken(String appId, String socketId, String channel) {
    synchronized (grants) {
      grants.remove(key(appId, socketId, channel));
    }
  }

  int size() {
    synchronized (grants) {
      return grants.size();
    }
  }
}
