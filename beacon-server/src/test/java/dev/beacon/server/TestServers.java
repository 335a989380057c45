package dev.beacon.server;

import dev.beacon.server.config.ConfigLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Starts real servers on a free port with a fresh data folder, configured by environment. */
public final class TestServers {

  private TestServers() {}

  public static BeaconServer start() {
    return start(Map.of());
  }

  /** @param env extra {@code BEACON_...} variables, as an operator would set them */
  public static BeaconServer start(Map<String, String> env) {
    Map<String, String> all = new HashMap<>();
    all.put("BEACON_PORT", "0");
    all.put("BEACON_EVENT_LOOPS", "2");
    all.put("BEACON_SHUTDOWN_GRACE_SECONDS", "2");
    // stop() closes at once unless a test asks for a drain
    all.put("BEACON_SHUTDOWN_DRAIN_SECONDS", "0");
    try {
      all.put("BEACON_DATA_DIR", Files.createTempDirectory("beacon-test").toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    all.putAll(env);
    return BeaconServer.start(ConfigLoader.load(Optional.empty(), all));
  }

  /** Starts with a YAML file. */
  public static BeaconServer startWithYaml(String yaml, Map<String, String> env) {
    try {
      Path file = Files.createTempFile("beacon", ".yaml");
      Files.writeString(file, yaml);
      Map<String, String> all = new HashMap<>();
      all.put("BEACON_PORT", "0");
      all.put("BEACON_EVENT_LOOPS", "2");
      all.put("BEACON_DATA_DIR", Files.createTempDirectory("beacon-test").toString());
      if (!yaml.contains("drain_seconds")) {
        all.put("BEACON_SHUTDOWN_DRAIN_SECONDS", "0");
      }
      all.putAll(env);
      return BeaconServer.start(ConfigLoader.load(Optional.of(file), all));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
