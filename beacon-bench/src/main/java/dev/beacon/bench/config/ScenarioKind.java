package dev.beacon.bench.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The scenarios the tool runs, by their command-line names. */
public enum ScenarioKind {
  /** N connections, each in its own presence channel, no traffic: memory and CPU per connection. */
  IDLE,
  /** One publisher to one channel of N subscribers: deliveries per second and latency. */
  FANOUT,
  /** R presence rooms of M members sending typing client events: end-to-end latency. */
  ROOMS,
  /** Members joining and leaving 500-member presence channels: member event latency. */
  CHURN,
  /** A connection storm: connections per second and time until all are subscribed. */
  CONNECT,
  /** Live queries over the Convex sync protocol, changed by typing: update latency. */
  LIVE,
  /** {@code presence:heartbeat} over HTTP keep-alive: calls per second and latency. */
  HEARTBEAT,
  /** Stored messages into R conversations of M members: send rate and delivery latency, both protocols. */
  MESSAGES,
  /** Streamed messages to M watchers each: chunk and live-update latency, server CPU per chunk. */
  STREAM,
  /** Three Beacon nodes over Redis: fan-out across nodes against one node, and kill -9 clean-up time. */
  CLUSTER;

  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ScenarioKind parse(String name) {
    for (ScenarioKind k : values()) {
      if (k.cliName().equals(name)) {
        return k;
      }
    }
    throw new ConfigException("unknown scenario '" + name + "'; one of "
        + Arrays.stream(values()).map(ScenarioKind::cliName).collect(Collectors.joining(", ")));
  }
}
