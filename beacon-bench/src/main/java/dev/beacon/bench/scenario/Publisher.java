package dev.beacon.bench.scenario;

import dev.beacon.bench.client.BenchApp;
import dev.beacon.bench.client.BenchSocket;
import dev.beacon.bench.client.HttpPublisher;
import dev.beacon.bench.client.Payloads;
import java.nio.charset.StandardCharsets;

/**
 * Publishes stamped payloads to the fan-out channel: through Beacon's HTTP API (signed as a
 * server SDK signs), as Pusher client events from a subscribed socket, or — for the baseline —
 * as a {@code POST /broadcast} or a plain text frame carrying the same JSON.
 */
interface Publisher extends AutoCloseable {

  /**
   * Publishes one payload stamped {@code nanos}.
   *
   * @return false if the publisher is busy (every HTTP connection has a request in flight)
   */
  boolean publish(long nanos);

  /** Publications the server refused or failed (HTTP 503 and other errors). */
  default long lost() {
    return 0;
  }

  /** What went wrong last, for diagnostics. */
  default String lastFailure() {
    return "";
  }

  @Override
  default void close() {}

  /** {@code POST /apps/{id}/events} to Beacon. */
  static Publisher beaconHttp(HttpPublisher http, BenchApp app, String channel, int size) {
    String path = "/apps/" + app.id() + "/events";
    return new Publisher() {
      @Override
      public boolean publish(long nanos) {
        byte[] body = BenchApp.triggerBody(channel, "bench", Payloads.stamped(nanos, size));
        String query = app.signedQuery("POST", path, body, System.currentTimeMillis() / 1000);
        return http.post(path + "?" + query, body);
      }

      @Override
      public long lost() {
        return http.refused() + http.failed();
      }

      @Override
      public String lastFailure() {
        return http.lastFailure();
      }

      @Override
      public void close() {
        http.close();
      }
    };
  }

  /** {@code POST /broadcast} to the baseline, its body the frame every socket gets. */
  static Publisher baselineHttp(HttpPublisher http, String channel, int size) {
    return new Publisher() {
      @Override
      public boolean publish(long nanos) {
        return http.post("/broadcast", frame(channel, nanos, size));
      }

      @Override
      public long lost() {
        return http.refused() + http.failed();
      }

      @Override
      public void close() {
        http.close();
      }
    };
  }

  /** Client events from a socket subscribed to the private channel (Beacon). */
  static Publisher clientEvents(BenchSocket socket, String channel, int size) {
    return nanos -> socket.writable()
        && socket.clientEvent(channel, "client-bench", Payloads.stamped(nanos, size));
  }

  /** Plain text frames from a socket, relayed by the baseline to every other socket. */
  static Publisher rawFrames(BenchSocket socket, String channel, int size) {
    return nanos -> socket.writable()
        && socket.send(new String(frame(channel, nanos, size), StandardCharsets.US_ASCII));
  }

  /** The frame Beacon would send for a bench event, which the baseline sends as is. */
  static byte[] frame(String channel, long nanos, int size) {
    return ("{\"event\":\"bench\",\"channel\":\"" + channel + "\",\"data\":\""
        + Payloads.stamped(nanos, size) + "\"}").getBytes(StandardCharsets.US_ASCII);
  }
}
