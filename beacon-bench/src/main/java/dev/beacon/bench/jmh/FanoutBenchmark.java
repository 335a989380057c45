package dev.beacon.bench.jmh;

import dev.beacon.core.hub.ChannelHub;
import dev.beacon.protocol.pusher.ChannelName;
import dev.beacon.protocol.pusher.PusherCodec;
import dev.beacon.protocol.pusher.ServerMessage;
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
 * One publication to one channel of N subscribers through the hub: the event is encoded once and
 * the same bytes handed to every subscriber on every lane. Divide the time by N for the hub's cost
 * per delivery (the socket write is not included; see {@link FrameWriteBenchmark}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FanoutBenchmark {

  @Param({"1000", "10000"})
  int subscribers;

  @Param({"64", "1024"})
  int payload;

  private HubFixture fixture;
  private ChannelName channel;
  private String data;

  @Setup
  public void setUp() {
    fixture = new HubFixture(2);
    channel = ChannelName.parse("private-bench-fanout");
    for (int i = 0; i < subscribers; i++) {
      HubFixture.CountingSubscriber s =
          new HubFixture.CountingSubscriber(fixture.lanes.get(i % 2), i);
      fixture.hub.subscribe(fixture.app, channel, s, Optional.empty());
    }
    data = "\"" + "x".repeat(payload) + "\"";
  }

  /** Encode once, fan out to every subscriber. */
  @Benchmark
  public ChannelHub encodeOnceAndFanOut() {
    byte[] frame = PusherCodec.encode(
        new ServerMessage.ChannelEvent(channel.value(), "bench", data, Optional.empty()));
    fixture.hub.publish(fixture.app, channel, frame, null, null);
    return fixture.hub;
  }

  /** The encoding alone. */
  @Benchmark
  public byte[] encodeOnly() {
    return PusherCodec.encode(
        new ServerMessage.ChannelEvent(channel.value(), "bench", data, Optional.empty()));
  }
}
