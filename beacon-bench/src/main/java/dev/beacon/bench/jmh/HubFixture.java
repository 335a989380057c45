package dev.beacon.bench.jmh;

import dev.beacon.core.app.App;
import dev.beacon.core.hub.ChannelHub;
import dev.beacon.core.hub.ClusterBus;
import dev.beacon.core.hub.Lane;
import dev.beacon.core.hub.LaneExecutor;
import dev.beacon.core.hub.Lanes;
import dev.beacon.core.hub.Subscriber;
import dev.beacon.core.metrics.BeaconMetrics;
import dev.beacon.core.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * A channel hub whose lanes run their work at once on the calling thread, with subscribers that
 * only count what they are given: the hub's own cost of fan-out and presence, without sockets.
 */
final class HubFixture {

  final App app = App.builder("bench", "bench-key", "bench-secret")
      .maxPresenceMembers(1_000_000).build();
  final Lanes lanes;
  final ChannelHub hub;

  /** Runs each task at once on the calling thread, which is thus always the lane's thread. */
  private static final LaneExecutor CALLER_RUNS = new LaneExecutor() {
    @Override
    public void execute(Runnable task) {
      task.run();
    }

    @Override
    public boolean inExecutorThread() {
      return true;
    }
  };

  HubFixture(int laneCount) {
    List<Lane> list = new ArrayList<>();
    for (int i = 0; i < laneCount; i++) {
      list.add(new Lane(i, CALLER_RUNS, Clock.system(), 1 << 20));
    }
    lanes = new Lanes(list);
    hub = new ChannelHub(lanes, Clock.system(), BeaconMetrics.NONE, ClusterBus.LOCAL, 60_000, 1000);
  }

  /** A subscriber that counts deliveries and the bytes it was handed. */
  static final class CountingSubscriber implements Subscriber {
    private final Lane lane;
    private final String socketId;
    long frames;
    long bytes;

    CountingSubscriber(Lane lane, int n) {
      this.lane = lane;
      this.socketId = "1234." + n;
    }

    @Override
    public Lane lane() {
      return lane;
    }

    @Override
    public String socketId() {
      return socketId;
    }

    @Override
    public void deliver(byte[] frame) {
      frames++;
      bytes += frame.length;
    }
  }
}
