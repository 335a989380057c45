package dev.beacon.bench.jmh;

import dev.beacon.protocol.pusher.ClientMessage;
import dev.beacon.protocol.pusher.PusherCodec;
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

/** Decoding the frames clients send most: a client event (typing) and a presence subscribe. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {

  private final String clientEvent = "{\"event\":\"client-typing\",\"channel\":\"presence-room-42\","
      + "\"data\":{\"user\":\"u123\",\"typing\":true}}";
  private final String subscribe = "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":"
      + "\"presence-room-42\",\"auth\":\"bench-key:0123456789abcdef0123456789abcdef0123456789abcdef"
      + "0123456789abcdef\",\"channel_data\":\"{\\\"user_id\\\":\\\"u123\\\",\\\"user_info\\\":"
      + "{\\\"name\\\":\\\"member 123\\\"}}\"}}";

  @Benchmark
  public ClientMessage decodeClientEvent() {
    return PusherCodec.decode(clientEvent);
  }

  @Benchmark
  public ClientMessage decodePresenceSubscribe() {
    return PusherCodec.decode(subscribe);
  }
}
