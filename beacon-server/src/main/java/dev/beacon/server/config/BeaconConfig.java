package dev.beacon.server.config;

import dev.beacon.core.app.App;
import dev.beacon.core.pusher.PusherSettings;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything the server is configured with, validated. Built by {@link ConfigLoader} from a YAML
 * file and {@code BEACON_...} environment variables; see docs/CONFIGURATION.md for every key.
 *
 * @param eventLoops the number of event loops (and lanes) serving connections
 * @param maxMessageBytes the largest Pusher WebSocket message a client may send
 * @param maxSyncMessageBytes the largest Convex sync WebSocket message a client may send (a
 *     reconnecting client sends all of its queries in one)
 * @param maxBufferedBytes the bytes a connection may have queued for writing before it is closed
 *     as a slow consumer (4100)
 * @param laneQueueLimit tasks queued per event loop before publications are refused (503 / 4100)
 * @param maxRequestBytes the largest HTTP request body
 * @param shutdownGraceSeconds how long a graceful shutdown waits for clients to leave
 * @param shutdownDrainSeconds how long a stop keeps serving every client with {@code /ready} at
 *     503 before it closes their connections
 * @param db where durable data lives
 * @param functionWorkers threads running function calls that touch the store
 * @param functionQueue calls waiting for a worker before new ones are refused
 * @param dashboard whether {@code /dashboard} and its debug console are served, and to whom
 * @param pushSendTimeoutSeconds how long a push send waits for its service's answer before it is
 *     tried again
 * @param pushMaxQueued pushes the outbox holds at most; beyond, new ones are not queued
 * @param pushMaxInFlight push sends waiting for a service's answer at once, at most
 * @param pushClaimSeconds how long a node holds a push it is sending before another may send it
 * @param transport request deadlines, keep-alive, pending connections per address and TLS
 * @param cluster cluster mode over Redis, when {@code cluster.redis_url} is set
 * @param log the log format and level
 */
public record BeaconConfig(
    Mode mode,
    String host,
    int port,
    Path dataDir,
    int eventLoops,
    PusherSettings pusher,
    int maxMessageBytes,
    int maxSyncMessageBytes,
    int maxBufferedBytes,
    int laneQueueLimit,
    int maxRequestBytes,
    int shutdownGraceSeconds,
    int shutdownDrainSeconds,
    List<App> apps,
    dev.beacon.server.store.DatabaseSettings db,
    int functionWorkers,
    int functionQueue,
    dev.beacon.server.dashboard.DashboardSettings dashboard,
    int pushSendTimeoutSeconds,
    int pushMaxQueued,
    int pushMaxInFlight,
    int pushClaimSeconds,
    TransportSettings transport,
    dev.beacon.server.cluster.ClusterSettings cluster,
    dev.beacon.server.log.LogSettings log) {

  public BeaconConfig {
    apps = List.copyOf(apps);
  }

  public boolean development() {
    return mode == Mode.DEVELOPMENT;
  }
}
