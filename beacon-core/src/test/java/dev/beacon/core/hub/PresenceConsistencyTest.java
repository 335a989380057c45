package dev.beacon.core.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.core.app.App;
import dev.beacon.core.metrics.BeaconMetrics;
import dev.beacon.core.time.Clock;
import dev.beacon.protocol.json.Json;
import dev.beacon.protocol.pusher.ChannelName;
import dev.beacon.protocol.pusher.PresenceData;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Members join and leave a presence channel from four threads at once. Every subscriber that is
 * still there at the end must see, from its snapshot plus the member events after it, exactly the
 * final member list: no event lost, none applied twice.
 */
class PresenceConsistencyTest {

  private static final List<String> ERRORS = java.util.Collections.synchronizedList(new ArrayList<>());

  @Test
  void everySubscribersViewConvergesOnTheRoster() throws Exception {
    int laneCount = 4;
    List<ThreadedLaneExecutor> threads = new ArrayList<>();
    List<Lane> laneList = new ArrayList<>();
    for (int i = 0; i < laneCount; i++) {
      ThreadedLaneExecutor t = new ThreadedLaneExecutor("lane-" + i);
      threads.add(t);
      laneList.add(new Lane(i, t, Clock.system(), 1_000_000));
    }
    Lanes lanes = new Lanes(laneList);
    ChannelHub hub = new ChannelHub(lanes, Clock.system(), BeaconMetrics.NONE, ClusterBus.LOCAL,
        60_000, 100);
    App app = App.builder("a", "k", "s").maxPresenceMembers(10_000).build();
    ChannelName channel = ChannelName.parse("presence-race");

    List<Viewer> stayers = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(laneCount);
    for (int l = 0; l < laneCount; l++) {
      Lane lane = lanes.get(l);
      int laneIndex = l;
      lane.submit(() -> {
        Random random = new Random(laneIndex);
        List<Viewer> mine = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
          Viewer v = new Viewer(lane, "u" + laneIndex + "-" + i);
          v.join(hub, app, channel);
          mine.add(v);
          if (random.nextInt(3) == 0 && !mine.isEmpty()) {
            Viewer leaving = mine.remove(random.nextInt(mine.size()));
            hub.unsubscribe(app, leaving.subscription);
          }
        }
        synchronized (stayers) {
          stayers.addAll(mine);
        }
        done.countDown();
      });
    }
    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    // let every queued member event land
    for (int round = 0; round < 3; round++) {
      CountDownLatch quiet = new CountDownLatch(laneCount);
      for (int l = 0; l < laneCount; l++) {
        lanes.get(l).submitControl(quiet::countDown);
      }
      assertThat(quiet.await(60, TimeUnit.SECONDS)).isTrue(); // bounds for a loaded machine, not sleeps
    }
    Set<String> roster = new LinkedHashSet<>(hub.users(app, channel.value()));
    Set<String> expected = new LinkedHashSet<>();
    stayers.forEach(v -> expected.add(v.userId));
    assertThat(roster).isEqualTo(expected);
    for (Viewer v : stayers) {
      assertThat(v.view).as("view of %s", v.userId).isEqualTo(expected);
    }
    assertThat(ERRORS).isEmpty();
    threads.forEach(ThreadedLaneExecutor::close);
  }

  /** A subscriber that keeps the member list a Pusher client would. */
  private static final class Viewer implements Subscriber {
    final Lane lane;
    final String userId;
    final Set<String> view = new LinkedHashSet<>();
    Subscription subscription;

    Viewer(Lane lane, String userId) {
      this.lane = lane;
      this.userId = userId;
    }

    void join(ChannelHub hub, App app, ChannelName channel) {
      ChannelHub.Joined joined = hub.subscribe(app, channel, this,
          Optional.of(new PresenceData(userId, "{}")));
      subscription = joined.subscription();
      joined.members().toCompletableFuture().join().orElseThrow()
          .forEach(m -> view.add(m.userId()));
    }

    @Override
    public Lane lane() {
      return lane;
    }

    @Override
    public String socketId() {
      return userId;
    }

    @Override
    public void deliver(byte[] frame) {
      JsonNode event = Json.parse(new String(frame, StandardCharsets.UTF_8));
      String id = Json.parse(event.get("data").asText()).get("user_id").asText();
      switch (event.get("event").asText()) {
        case "pusher_internal:member_added":
          if (!view.add(id)) {
            ERRORS.add(userId + " told twice that " + id + " joined");
          }
          break;
        case "pusher_internal:member_removed":
          if (!view.remove(id)) {
            ERRORS.add(userId + " told " + id + " left, never having seen it");
          }
          break;
        default:
          ERRORS.add("unexpected " + event);
      }
    }
  }
}
