package dev.beacon.bench.jmh;

import dev.beacon.core.hub.ChannelHub;
import dev.beacon.protocol.pusher.ChannelName;
import dev.beacon.protocol.pusher.PresenceData;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A member joining and leaving a presence channel of M members: roster update, the snapshot the
 * joiner gets, and {@code member_added}/{@code member_removed} encoded and handed to the M others.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PresenceBenchmark {

  @Param({"500"})
  int members;

  private HubFixture fixture;
  private ChannelName channel;
  private HubFixture.CountingSubscriber joiner;
  private PresenceData joinerData;

  @Setup
  public void setUp() {
    fixture = new HubFixture(2);
    channel = ChannelName.parse("presence-churn-0");
    for (int i = 0; i < members; i++) {
      HubFixture.CountingSubscriber s =
          new HubFixture.CountingSubscriber(fixture.lanes.get(i % 2), i);
      fixture.hub.subscribe(fixture.app, channel, s,
          Optional.of(PresenceData.parse("{\"user_id\":\"u" + i + "\",\"user_info\":{}}")));
    }
    joiner = new HubFixture.CountingSubscriber(fixture.lanes.get(0), members);
    joinerData = PresenceData.parse("{\"user_id\":\"u10000000\",\"user_info\":{}}");
  }

  @Benchmark
  public ChannelHub joinAndLeave() {
    ChannelHub.Joined joined =
        fixture.hub.subscribe(fixture.app, channel, joiner, Optional.of(joinerData));
    fixture.hub.unsubscribe(fixture.app, joined.subscription());
    return fixture.hub;
  }
}
