package dev.beacon.bench.jmh;

import dev.beacon.protocol.auth.PusherSignatures;
import java.util.Optional;
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

/** Verifying the HMAC of a presence subscription, as every private or presence join does. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SignatureBenchmark {

  private final String channelData = "{\"user_id\":\"u123\",\"user_info\":{\"name\":\"member 123\"}}";
  private final String toSign = PusherSignatures.channelStringToSign(
      "123456.7890", "presence-room-42", Optional.of(channelData));
  private final String auth = PusherSignatures.channelAuth(
      "bench-key", "bench-secret", "123456.7890", "presence-room-42", Optional.of(channelData));

  @Benchmark
  public boolean verifyPresenceAuth() {
    return PusherSignatures.verifyAuth(auth, "bench-key", "bench-secret", toSign);
  }
}
