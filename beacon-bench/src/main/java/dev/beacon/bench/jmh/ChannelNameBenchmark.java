package dev.beacon.bench.jmh;

import dev.beacon.protocol.pusher.ChannelName;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Validating channel names, done for every subscribe and every HTTP API channel. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ChannelNameBenchmark {

  private final String presence = "presence-room-1234567";
  private final String longName = "private-encrypted-" + "a-b_c=d@e,f.g;h".repeat(12);

  @Benchmark
  public ChannelName presenceName() {
    return ChannelName.parse(presence);
  }

  @Benchmark
  public ChannelName longEncryptedName() {
    return ChannelName.parse(longName);
  }
}
