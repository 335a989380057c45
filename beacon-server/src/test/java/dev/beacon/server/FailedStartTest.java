package dev.beacon.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A start that fails after the database opened closes everything it had opened (the close
 * stack), and a stop closes everything too: no thread of the server is left running, the
 * database can be opened again at once.
 */
class FailedStartTest {

  /**
   * Threads of the JVM or the JDK that any code may start once and keep (the common pool, the
   * JDK HTTP client's selector until its client is collected): not the server's to close.
   */
  private static boolean jvmWide(Thread t) {
    String name = t.getName();
    return name.startsWith("ForkJoinPool.commonPool") || name.equals("process reaper")
        || name.startsWith("HttpClient-") || name.equals("Attach Listener")
        || name.startsWith("Common-Cleaner") || name.startsWith("surefire")
        || name.startsWith("awaitility"); // the test's own waiting
  }

  private static Set<Thread> threads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
        .collect(Collectors.toSet());
  }

  /** Waits until every thread started since {@code before} has ended; names those that did not. */
  private static void assertNoThreadsLeft(Set<Thread> before) {
    List<String> left = new ArrayList<>();
    try {
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        left.clear();
        for (Thread t : threads()) {
          if (!before.contains(t) && !jvmWide(t)) {
            left.add(t.getName() + (t.isDaemon() ? " (daemon)" : ""));
          }
        }
        return left.isEmpty();
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("threads left running: " + left, e);
    }
  }

  @Test
  void aStartThatFailsAfterTheDatabaseOpenedClosesWhatItOpened() throws Exception {
    Path data = Files.createTempDirectory("beacon-failed-start");
    // a TLS key pair that exists and is readable (the configuration accepts it) but is not PEM:
    // found only when the listeners start, after the database, the function workers, the
    // live-query engine, the webhook sender and the event loops are up
    Path cert = Files.writeString(data.resolve("cert.pem"), "not a certificate\n");
    Path key = Files.writeString(data.resolve("key.pem"), "not a key\n");
    Set<Thread> before = threads();
    assertThatThrownBy(() -> TestServers.start(Map.of("BEACON_DATA_DIR", data.toString(),
        "BEACON_TLS_CERT_FILE", cert.toString(), "BEACON_TLS_KEY_FILE", key.toString())))
        .hasMessageContaining("cannot listen on");
    assertThat(Files.exists(data.resolve("beacon.db"))).as("the database was opened").isTrue();
    assertNoThreadsLeft(before);

    // nothing holds the database: it opens again, in the same folder, at once
    BeaconServer again = TestServers.start(Map.of("BEACON_DATA_DIR", data.toString()));
    again.stop();
  }

  @Test
  void aStopClosesEveryThreadTheServerStarted() throws Exception {
    Set<Thread> before = threads();
    BeaconServer server = TestServers.start();
    assertThat(threads()).as("the server runs threads of its own").hasSizeGreaterThan(before.size());
    server.stop();
    assertNoThreadsLeft(before);
  }
}
