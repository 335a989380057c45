package dev.beacon.server;

import dev.beacon.core.app.App;
import dev.beacon.server.config.BeaconConfig;
import dev.beacon.server.config.ConfigException;
import dev.beacon.server.config.ConfigLoader;
import java.nio.file.Path;
import java.util.Optional;

/** {@code java -jar beacon.jar [--config FILE]}: starts a server and serves until stopped. */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    Optional<Path> file = Optional.empty();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        System.out.println("usage: java -jar beacon.jar [--config FILE]\n"
            + "Every setting can also be given as a BEACON_... environment variable; see README.md.");
        return;
      } else if (arg.equals("--config") && i + 1 < args.length) {
        file = Optional.of(Path.of(args[++i]));
      } else if (arg.startsWith("--config=")) {
        file = Optional.of(Path.of(arg.substring("--config=".length())));
      } else {
        System.err.println("beacon: unknown argument '" + arg + "' (usage: --config FILE)");
        System.exit(2);
      }
    }
    BeaconConfig config;
    try {
      config = ConfigLoader.load(file, System.getenv());
    } catch (ConfigException e) {
      System.err.println("beacon: configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    dev.beacon.server.log.LogSetup.apply(config.log());
    BeaconServer server;
    try {
      server = BeaconServer.start(config);
    } catch (RuntimeException e) {
      System.err.println("beacon: cannot start: " + e.getMessage());
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "beacon-shutdown"));
    printBanner(server);
  }

  private static void printBanner(BeaconServer server) {
    System.out.print(banner(server));
    System.out.flush();
  }

  /**
   * What the server serves: the address it is bound to, then URLs that answer. When bound to
   * every interface the URLs use 127.0.0.1 (they work from this machine; other machines use one
   * of its addresses).
   */
  static String banner(BeaconServer server) {
    BeaconConfig c = server.config();
    String bound = c.host();
    boolean everyInterface = wildcard(bound);
    String host = everyInterface ? "127.0.0.1" : bound;
    if (host.contains(":")) {
      host = "[" + host + "]"; // an IPv6 literal
    }
    String scheme = c.transport().tls() ? "https://" : "http://";
    String base = scheme + host + ":" + server.port();
    StringBuilder out = new StringBuilder();
    out.append("Beacon is listening on ").append(scheme).append(bound.contains(":") ? "[" + bound + "]" : bound)
        .append(':').append(server.port())
        .append(everyInterface ? " (every interface; " : " (")
        .append(c.mode().name().toLowerCase(java.util.Locale.ROOT)).append(" mode, ")
        .append(c.eventLoops()).append(" event loops, data in ").append(c.dataDir()).append(")\n");
    for (App app : c.apps()) {
      out.append("  app ").append(app.id()).append(": WebSocket ").append(c.transport().tls() ? "wss://" : "ws://").append(host).append(':')
          .append(server.port()).append("/app/").append(app.key()).append("?protocol=7")
          .append("   HTTP API (signed) POST ").append(base).append("/apps/").append(app.id())
          .append("/events\n");
    }
    out.append("  functions (Convex): POST ").append(base).append("/api/query and /api/mutation, ")
        .append("sync WebSocket ").append(c.transport().tls() ? "wss://" : "ws://").append(host).append(':').append(server.port())
        .append("/api/sync\n");
    out.append("  health ").append(base).append("/health   ready ").append(base)
        .append("/ready   metrics ").append(base).append("/metrics\n");
    if (c.development()) {
      out.append("  development auth endpoints: POST ").append(base).append("/pusher/auth and ")
          .append(base).append("/pusher/user-auth\n");
      out.append("  demo ").append(base).append("/demo/  (open it in two windows)\n");
    }
    if (c.dashboard().enabled()) {
      out.append("  dashboard ").append(base).append("/dashboard/")
          .append(c.dashboard().passwordProtected() ? "  (basic auth)" : "")
          .append(c.dashboard().console() ? "" : "  (debug console off)").append('\n');
    }
    return out.toString();
  }

  private static boolean wildcard(String host) {
    try {
      return java.net.InetAddress.getByName(host).isAnyLocalAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }
}
