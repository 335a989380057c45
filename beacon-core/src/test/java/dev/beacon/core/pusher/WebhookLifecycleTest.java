package dev.beacon.core.pusher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.core.app.App;
import dev.beacon.core.app.WebhookSettings;
import dev.beacon.core.time.ExpiryScheduler;
import dev.beacon.core.webhook.LocalLifecycle;
import dev.beacon.core.webhook.WebhookEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What the hub and the sessions report for webhooks, decided by the single-node {@link
 * LocalLifecycle} with its grace period, on manual lanes and a manual clock.
 */
class WebhookLifecycleTest {

  private final Recorded sink = new Recorded();

  private PusherTestBed bed(boolean withCount) {
    App app = App.builder("app-id", "app-key", "app-secret")
        .webhooks(WebhookSettings.of(List.of(new WebhookSettings.Endpoint("http://127.0.0.1:1/hook",
            withCount ? WebhookSettings.EVENT_TYPES
                : Set.of("channel_occupied", "channel_vacated", "member_added", "member_removed",
                    "client_event", "cache_miss"),
            Optional.empty(), Optional.empty(), Map.of())), false))
        .build();
    PusherTestBed bed = new PusherTestBed(app);
    expiry = new ExpiryScheduler(bed.clock, 50);
    bed.hub.lifecycle(new LocalLifecycle(bed.apps, expiry, sink));
    bed.service.webhooks(sink);
    return bed;
  }

  private ExpiryScheduler expiry;

  private void advance(PusherTestBed bed, long millis) {
    bed.advance(millis);
    expiry.tick();
  }

  @Test
  void aChannelIsOccupiedOnceAndVacatedAfterTheGrace() {
    PusherTestBed bed = bed(false);
    FakeClient a = bed.connect(0);
    FakeClient b = bed.connect(1);
    a.send(bed.subscribe("news"));
    b.send(bed.subscribe("news"));
    assertThat(sink.take()).containsExactly("channel_occupied news");
    a.disconnect();
    b.disconnect();
    advance(bed, 2900);
    assertThat(sink.take()).isEmpty();
    advance(bed, 200);
    assertThat(sink.take()).containsExactly("channel_vacated news");
  }

  @Test
  void aReconnectWithinTheGraceSendsNothing() {
    PusherTestBed bed = bed(false);
    FakeClient a = bed.connect(0);
    a.send(bed.subscribePresence(a, "presence-room", "ann", "{}"));
    assertThat(sink.take()).containsExactly("channel_occupied presence-room",
        "member_added presence-room ann");
    a.disconnect();
    advance(bed, 2000);
    FakeClient again = bed.connect(1);
    again.send(bed.subscribePresence(again, "presence-room", "ann", "{}"));
    advance(bed, 10_000);
    assertThat(sink.take()).isEmpty();
    again.disconnect();
    advance(bed, 3100);
    // the removal first, then the vacate
    assertThat(sink.take()).containsExactly("member_removed presence-room ann",
        "channel_vacated presence-room");
  }

  @Test
  void oneUserWithSeveralConnectionsIsOneMember() {
    PusherTestBed bed = bed(false);
    FakeClient tab1 = bed.connect(0);
    FakeClient tab2 = bed.connect(1);
    FakeClient bob = bed.connect(0);
    tab1.send(bed.subscribePresence(tab1, "presence-room", "ann", "{}"));
    tab2.send(bed.subscribePresence(tab2, "presence-room", "ann", "{}"));
    bob.send(bed.subscribePresence(bob, "presence-room", "bob", "{}"));
    assertThat(sink.take()).containsExactly("channel_occupied presence-room",
        "member_added presence-room ann", "member_added presence-room bob");
    tab1.disconnect();
    advance(bed, 5000);
    assertThat(sink.take()).isEmpty();
    tab2.disconnect();
    advance(bed, 5000);
    assertThat(sink.take()).containsExactly("member_removed presence-room ann");
  }

  @Test
  void clientEventsCarryTheUserOnPresenceChannels() {
    PusherTestBed bed = bed(false);
    FakeClient a = bed.connect(0);
    FakeClient b = bed.connect(1);
    a.send(bed.subscribePresence(a, "presence-room", "ann", "{}"));
    b.send(bed.subscribePrivate(b, "private-x"));
    sink.take();
    a.send("{\"event\":\"client-typing\",\"channel\":\"presence-room\",\"data\":{\"on\":true}}");
    b.send("{\"event\":\"client-hi\",\"channel\":\"private-x\",\"data\":\"hello\"}");
    List<WebhookEvent> events = sink.events();
    assertThat(events).hasSize(2);
    assertThat(events.get(0).userId()).contains("ann");
    assertThat(events.get(0).socketId()).contains(a.socketId());
    assertThat(events.get(0).event()).contains("client-typing");
    assertThat(events.get(0).data()).contains("{\"on\":true}");
    assertThat(events.get(1).userId()).isEmpty();
    assertThat(events.get(1).data()).contains("\"hello\"");
  }

  @Test
  void aCacheMissIsToldOncePerEmptyChannel() {
    PusherTestBed bed = bed(false);
    FakeClient a = bed.connect(0);
    FakeClient b = bed.connect(1);
    a.send(bed.subscribe("cache-scores"));
    b.send(bed.subscribe("cache-scores"));
    assertThat(sink.take()).containsExactly("channel_occupied cache-scores",
        "cache_miss cache-scores");
  }

  @Test
  void subscriptionCountsAreThrottledAboveOneHundred() {
    PusherTestBed bed = bed(true);
    List<FakeClient> clients = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      FakeClient c = bed.connect(i % 2);
      c.send(bed.subscribe("crowd"));
      clients.add(c);
    }
    List<String> first = sink.take();
    assertThat(first).hasSize(101).startsWith("channel_occupied crowd", "subscription_count crowd 1")
        .endsWith("subscription_count crowd 100");
    // the 101st and more within 5 s of the last count: one count, 5 s after it, with the latest
    for (int i = 0; i < 20; i++) {
      FakeClient c = bed.connect(i % 2);
      c.send(bed.subscribe("crowd"));
    }
    assertThat(sink.take()).isEmpty();
    advance(bed, 5100);
    assertThat(sink.take()).containsExactly("subscription_count crowd 120");
    // presence channels have none
    FakeClient p = bed.connect(0);
    p.send(bed.subscribePresence(p, "presence-room", "ann", "{}"));
    assertThat(sink.take()).containsExactly("channel_occupied presence-room",
        "member_added presence-room ann");
  }

  /** Events the sink was given, as short strings. */
  private static final class Recorded implements dev.beacon.core.webhook.WebhookSink {
    final List<WebhookEvent> events = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void emit(String appId, WebhookEvent event) {
      events.add(event);
    }

    List<WebhookEvent> events() {
      List<WebhookEvent> out = new ArrayList<>(events);
      events.clear();
      return out;
    }

    List<String> take() {
      List<String> out = new ArrayList<>();
      for (WebhookEvent e : events()) {
        StringBuilder s = new StringBuilder(e.name());
        e.channel().ifPresent(c -> s.append(' ').append(c));
        e.userId().ifPresent(u -> s.append(' ').append(u));
        e.subscriptionCount().ifPresent(n -> s.append(' ').append(n));
        out.add(s.toString());
      }
      return out;
    }
  }
}
