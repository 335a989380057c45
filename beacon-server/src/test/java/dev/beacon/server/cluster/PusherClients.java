package dev.beacon.server.cluster;

import static org.awaitility.Awaitility.await;

import com.pusher.client.Pusher;
import com.pusher.client.PusherOptions;
import com.pusher.client.channel.PresenceChannelEventListener;
import com.pusher.client.channel.PusherEvent;
import com.pusher.client.channel.User;
import com.pusher.client.connection.ConnectionState;
import com.pusher.rest.data.PresenceUser;
import dev.beacon.protocol.auth.PusherSignatures;
import dev.beacon.protocol.json.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** pusher-java-client connections to the nodes of a test cluster, disconnected by {@link #close}. */
public final class PusherClients implements AutoCloseable {

  static final Duration WAIT = Duration.ofSeconds(10);
  private final List<Pusher> clients = new ArrayList<>();

  /** A connected client of {@code node}, authorized as {@code userId} by the app's secret. */
  Pusher connect(ClusterNodes.Node node, String userId) {
    com.pusher.rest.Pusher signer = new com.pusher.rest.Pusher("app-id", "app-key", "app-secret");
    PusherOptions options = new PusherOptions()
        .setHost("127.0.0.1").setWsPort(node.port).setUseTLS(false)
        .setChannelAuthorizer((channel, socketId) -> channel.startsWith("presence-")
            ? signer.authenticate(socketId, channel, new PresenceUser(userId, Map.of("name", userId)))
            : signer.authenticate(socketId, channel))
        .setUserAuthenticator(socketId -> {
          String userData = "{\"id\":\"" + userId + "\"}";
          return "{\"auth\":\"" + PusherSignatures.userAuth("app-key", "app-secret", socketId, userData)
              + "\",\"user_data\":" + Json.quote(userData) + "}";
        });
    Pusher pusher = new Pusher("app-key", options);
    clients.add(pusher);
    pusher.connect();
    await().atMost(WAIT).until(() -> pusher.getConnection().getState() == ConnectionState.CONNECTED);
    return pusher;
  }

  @Override
  public void close() {
    clients.forEach(Pusher::disconnect);
  }

  /**
   * A channel listener that hands every event it hears to {@code onEvent} and ignores the rest
   * (authorization failures, subscriptions, members). A presence listener, so that it serves
   * public, private and presence channels alike (pusher-java-client wants a private channel's
   * listener on a private channel and a presence one on a presence channel).
   */
  public static PresenceChannelEventListener onEvent(Consumer<PusherEvent> onEvent) {
    return new PresenceChannelEventListener() {
      @Override
      public void onUsersInformationReceived(String channelName, Set<User> users) {}

      @Override
      public void userSubscribed(String channelName, User user) {}

      @Override
      public void userUnsubscribed(String channelName, User user) {}

      @Override
      public void onAuthenticationFailure(String message, Exception e) {}

      @Override
      public void onSubscriptionSucceeded(String channelName) {}

      @Override
      public void onEvent(PusherEvent event) {
        onEvent.accept(event);
      }
    };
  }

  /** A presence listener that notes only the {@code pusher:subscription_error}s it hears. */
  static PresenceChannelEventListener errorsOnly(List<String> errors) {
    return onEvent(event -> {
      if (event.getEventName().equals("pusher:subscription_error")) {
        errors.add(event.getData());
      }
    });
  }

  /** What a presence channel's listener saw, in order, with when each change arrived. */
  static final class Roster implements PresenceChannelEventListener {
    final List<String> log = new CopyOnWriteArrayList<>();
    final java.util.concurrent.ConcurrentHashMap<String, Long> at =
        new java.util.concurrent.ConcurrentHashMap<>();
    volatile Set<User> initial;

    @Override
    public void onUsersInformationReceived(String channelName, Set<User> users) {
      initial = users;
    }

    @Override
    public void userSubscribed(String channelName, User user) {
      note("+" + user.getId());
    }

    @Override
    public void userUnsubscribed(String channelName, User user) {
      note("-" + user.getId());
    }

    private void note(String change) {
      at.putIfAbsent(change, System.nanoTime());
      log.add(change);
    }

    @Override
    public void onAuthenticationFailure(String message, Exception e) {}

    @Override
    public void onSubscriptionSucceeded(String channelName) {}

    @Override
    public void onEvent(PusherEvent event) {}
  }
}
