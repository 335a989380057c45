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

  PusherTestBed(App... apps) {
    this(2, PusherSettings.DEFAULT, apps);
  }

  PusherTestBed(int laneCount, PusherSettings settings, App... apps) {
    this.lanes = new ManualLanes(laneCount, clock, 10_000);
    this.apps = Apps.of(List.of(apps));
    this.hub = new ChannelHub(lanes.lanes(), clock, BeaconMetrics.NONE, ClusterBus.LOCAL,
        settings.cacheTtlSeconds() * 1000L, settings.maxCachedChannels());
    this.service = new PusherChannels(this.apps, hub, settings, BeaconMetrics.NONE);
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
}
