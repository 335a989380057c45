package dev.beacon.core.pusher;

import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.hub.ChannelHub;
import dev.beacon.core.hub.ClusterBus;
import dev.beacon.core.hub.ManualLanes;
import dev.beacon.core.metrics.BeaconMetrics;
import dev.beacon.core.time.ManualClock;
import dev.beacon.protocol.auth.PusherSignatures;
import dev.beacon.protocol.json.Json;
import dev.beacon.core.console.DebugConsole;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/** A Pusher service on manual lanes and a manual clock, and helpers to sign like a backend. */
final class PusherTestBed {

  final ManualClock clock = new ManualClock(1_700_000_000_000L);
  final ManualLanes lanes;
  final Apps apps;
  final ChannelHub hub;
  final PusherChannels service;
  final PusherHttpApi api;
  /** What the service reported to its metrics and debug console. */
  final Observed observed = new Observed();

  PusherTestBed(App... apps) {
    this(2, PusherSettings.DEFAULT, apps);
  }

  PusherTestBed(int laneCount, PusherSettings settings, App... apps) {
    this.lanes = new ManualLanes(laneCount, clock, 10_000);
    this.apps = Apps.of(List.of(apps));
    this.hub = new ChannelHub(lanes.lanes(), clock, BeaconMetrics.NONE, ClusterBus.LOCAL,
        settings.cacheTtlSeconds() * 1000L, settings.maxCachedChannels());
    this.service = new PusherChannels(this.apps, hub, settings, observed);
    service.console(observed);
    this.api = new PusherHttpApi(service, clock);
  }

  static App app() {
    return App.builder("app-id", "app-key", "app-secret").build();
  }

  FakeClient connect(int lane) {
    return connect(lane, "app-key", "7");
  }

  FakeClient connect(int lane, String key, String protocol) {
    PusherChannels.Admission admission = service.admit(key, protocol);
    if (!(admission instanceof PusherChannels.Admission.Admitted a)) {
      throw new AssertionError("refused: " + admission);
    }
    FakeClient client = new FakeClient(lanes);
    client.session = service.open(a, lanes.lane(lane), client);
    lanes.runAll();
    return client;
  }

  String auth(String socketId, String channel) {
    App app = apps.first();
    return PusherSignatures.channelAuth(app.key(), app.secret(), socketId, channel, Optional.empty());
  }

  String subscribe(String channel) {
    return "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channel + "\"}}";
  }

  String subscribePrivate(FakeClient c, String channel) {
    return "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channel + "\",\"auth\":\""
        + auth(c.socketId(), channel) + "\"}}";
  }

  String subscribePresence(FakeClient c, String channel, String userId, String infoJson) {
    String data = "{\"user_id\":\"" + userId + "\",\"user_info\":" + infoJson + "}";
    App app = apps.first();
    String auth = PusherSignatures.channelAuth(app.key(), app.secret(), c.socketId(), channel,
        Optional.of(data));
    return "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channel + "\",\"auth\":\""
        + auth + "\",\"channel_data\":" + Json.quote(data) + "}}";
  }

  String signin(FakeClient c, String userData) {
    App app = apps.first();
    String auth = PusherSignatures.userAuth(app.key(), app.secret(), c.socketId(), userData);
    return "{\"event\":\"pusher:signin\",\"data\":{\"auth\":\"" + auth + "\",\"user_data\":"
        + Json.quote(userData) + "}}";
  }

  /** Moves time forward and runs the lanes' timers. */
  void advance(long millis) {
    clock.advance(millis);
    lanes.tick();
  }

  /** Records errors counted and console entries, as short strings. */
  static final class Observed implements BeaconMetrics, DebugConsole {
    final List<String> errorsCounted = Collections.synchronizedList(new ArrayList<>());
    final List<String> console = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void error(String appId, int code) {
      errorsCounted.add(Integer.toString(code));
    }

    @Override
    public void connected(String appId, String socketId, int protocol) {
      console.add("connected " + socketId);
    }

    @Override
    public void disconnected(String appId, String socketId) {
      console.add("disconnected " + socketId);
    }

    @Override
    public void subscribed(String appId, String socketId, String channel, Optional<String> userId) {
      console.add("subscribed " + channel + userId.map(u -> " as " + u).orElse(""));
    }

    @Override
    public void unsubscribed(String appId, String socketId, String channel) {
      console.add("unsubscribed " + channel);
    }

    @Override
    public void clientEvent(String appId, String socketId, String channel, String event, String dataJson) {
      console.add("client event " + event + " on " + channel + ": " + dataJson);
    }

    @Override
    public void apiEvent(String appId, List<String> channels, String event, String data) {
      console.add("api event " + event + " on " + String.join(",", channels) + ": " + data);
    }

    @Override
    public void error(String appId, Optional<String> socketId, int code, String message) {
      console.add("error " + code);
    }
  }
}
