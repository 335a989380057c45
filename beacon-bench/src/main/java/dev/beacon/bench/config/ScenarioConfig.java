package dev.beacon.bench.config;

import dev.beacon.bench.client.WireProtocol;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Everything one run is told: the scenario, its sizes and rates, which servers to measure and how
 * to reach or start them. Built from the command line by {@link #parse} or in code with {@link
 * #builder}; each scenario reads the fields that concern it.
 *
 * @param connections idle and connect: connections; fanout and cluster: subscribers of the one
 *     channel
 * @param rooms rooms: presence rooms; churn: 500-member channels; live: chatrooms; cluster: how
 *     many times a node is killed
 * @param members rooms: members per room; churn: stable members per channel; live: subscribers
 *     per chatroom; cluster: presence members on the node that is killed
 * @param rate rooms: typing events per second in total; churn: joins plus leaves per second;
 *     connect: connection attempts per second (0 = as fast as {@code inFlight} allows); fanout: a
 *     fixed publication rate instead of finding saturation (0 = find it)
 * @param payloads fanout: payload sizes in bytes
 * @param publishers fanout: {@code http} (HTTP API trigger) and/or {@code client} (client events)
 * @param fraction fanout: the fraction of saturation at which latency is measured
 * @param inFlight connections between connecting and subscribed at once (all scenarios)
 * @param window fanout: deliveries in flight while finding saturation; the publisher keeps
 *     {@code max(2, window / subscribers)} publications in flight (HTTP: on as many keep-alive
 *     connections, at most 32), so the server always has queued work but the queue stays short
 * @param addresses servers already running ({@code host:port}) to measure instead of starting
 *     them ({@code --beacon}, {@code --baseline}, {@code --uws}, {@code --external})
 * @param pids the process ids of those running servers ({@code --beacon-pid} ...), so that their
 *     CPU and RSS are sampled (and a JVM's heap read) as for a server the tool started
 * @param externalProtocol what the external server speaks: {@code raw} (the baseline's broadcast
 *     protocol) or {@code pusher}
 * @param uwsScript the uWebSockets.js server script the tool starts for the {@code uws} target
 * @param node the Node.js executable that runs it
 * @param users heartbeat: distinct users the calls rotate over
 * @param rounds connect: storms opened one after the other against the same server processes
 *     (each closed before the next), so a warm server is measured as well as a fresh one
 * @param serverJvmDefaults the JVM flags a Beacon the tool starts gets before {@code
 *     serverJvmArgs}: the shipped launcher's ({@code bin/beacon}, the default) or none
 * @param generatorWarmup connect: connections the load generator first opens against a throwaway
 *     server of each target the tool starts, before any measured storm, so that the generator's
 *     own JIT compilation (it shares the cores) does not fall into the first target's storm; 0
 *     for none
 */
public record ScenarioConfig(
    ScenarioKind scenario,
    List<TargetKind> targets,
    int connections,
    int rooms,
    int members,
    double rate,
    List<Integer> payloads,
    List<String> publishers,
    double fraction,
    Duration duration,
    Duration warmup,
    int inFlight,
    int window,
    int clientThreads,
    int processes,
    int sources,
    int serverEventLoops,
    boolean heapSamples,
    Map<TargetKind, String> addresses,
    Map<TargetKind, Long> pids,
    WireProtocol externalProtocol,
    Path uwsScript,
    String node,
    Path beaconJar,
    String serverJvmArgs,
    String appId,
    String appKey,
    String appSecret,
    Path outputDir,
    int repeat,
    int users,
    int rounds,
    JvmDefaults serverJvmDefaults,
    int generatorWarmup) {

  public ScenarioConfig {
    targets = List.copyOf(targets);
    payloads = List.copyOf(payloads);
    publishers = List.copyOf(publishers);
    addresses = Map.copyOf(addresses);
    pids = Map.copyOf(pids);
    if (targets.isEmpty()) {
      throw new ConfigException("option --targets names no server");
    }
    if (targets.contains(TargetKind.EXTERNAL) && !addresses.containsKey(TargetKind.EXTERNAL)) {
      throw new ConfigException("target external needs --external=HOST:PORT (and "
          + "--external-pid=PID to sample its CPU and memory)");
    }
    for (String p : publishers) {
      if (!p.equals("http") && !p.equals("client")) {
        throw new ConfigException("option --publishers takes http and/or client, got '" + p + "'");
      }
    }
    if (generatorWarmup > 0 && scenario != ScenarioKind.CONNECT) {
      throw new ConfigException("option --generator-warmup is for connect only");
    }
    if (scenario == ScenarioKind.ROOMS && members < 2) {
      throw new ConfigException("option --members must be at least 2 for rooms, got '" + members + "'");
    }
  }

  /**
   * These settings for the load generator's warm-up storm: {@code connections} connections, one
   * round, one repeat, nothing else changed.
   */
  public ScenarioConfig forGeneratorWarmup(int n) {
    return new ScenarioConfig(scenario, targets, n, rooms, members, rate, payloads, publishers,
        fraction, duration, warmup, inFlight, window, clientThreads, processes, sources,
        serverEventLoops, heapSamples, addresses, pids, externalProtocol, uwsScript, node,
        beaconJar, serverJvmArgs, appId, appKey, appSecret, outputDir, 1, users, 1,
        serverJvmDefaults, 0);
  }

  /** A running server to measure instead of starting {@code kind}, if one was given. */
  public Optional<String> address(TargetKind kind) {
    return Optional.ofNullable(addresses.get(kind));
  }

  /** The process id of the running server given for {@code kind}, if one was given. */
  public OptionalLong pid(TargetKind kind) {
    Long pid = pids.get(kind);
    return pid == null ? OptionalLong.empty() : OptionalLong.of(pid);
  }

  public Optional<String> beaconAddress() {
    return address(TargetKind.BEACON);
  }

  public Optional<String> baselineAddress() {
    return address(TargetKind.BASELINE);
  }

  public static final String USAGE = """
      usage: java -jar beacon-bench.jar SCENARIO [--option=value ...]
        scenarios: idle, fanout, rooms, churn, connect, live, heartbeat, messages, stream, cluster
        common:   --targets=beacon,baseline(,uws,external)  --duration=10s --warmup=3s --repeat=1
                  --beacon=HOST:PORT (measure a running Beacon) --baseline=HOST:PORT --uws=HOST:PORT
                  --beacon-pid=PID (its process, sampled as a started one; --baseline-pid ...)
                  --external=HOST:PORT --external-pid=PID --external-protocol=raw|pusher
                  --uws-script=beacon-bench/uws/server.js (npm ci there first) --node=node
                  --beacon-jar=beacon-server/target/beacon.jar --server-jvm-args="..." (added to
                  bin/beacon's JVM flags, a flag of the same name replacing its; the baseline gets
                  these only) --server-jvm-defaults=launcher|jdk (jdk: none of bin/beacon's)
                  --server-event-loops=CORES --client-threads=CORES --processes=1 --sources=0
                  --heap=true (force a GC in the server and read its heap) --out=bench-results
                  --app-id=bench --app-key=bench-key --app-secret=bench-secret
        idle:     --connections=1000
        fanout:   --connections=1000 --payloads=64,1024 --publishers=http,client --fraction=0.5
                  --window=64000 (deliveries in flight while finding saturation)
                  --rate=0 (0 finds saturation; else publications per second)
        rooms:    --rooms=100 --members=10 --rate=1000
        churn:    --rooms=2 --members=500 --rate=2000
        connect:  --connections=5000 --rate=0 --in-flight=256 --rounds=1 (storms per server process)
                  --generator-warmup=0 (connections first opened against a throwaway server of
                  each target, to compile the load generator's code before any measured storm)
        live:     --rooms=1000 --members=10 --rate=1000 (typing changes/s in total)
        heartbeat: --connections=64 (keep-alive) --users=10000 --rate=50000 (0: at --fraction of saturation)
        messages: --rooms=100 (conversations) --members=10 (each watching on Pusher and a live query)
                  --rate=1000 (paced sends/s after the saturation phase; 0: --fraction of saturation)
        stream:   --rooms=100 (concurrent streams) --members=10 (watchers each, both protocols)
                  --rate=5000 (chunks/s in total: 50 per stream)
        cluster:  --connections=300 --payloads=64 --publishers=http --fraction=0.5 --rate=0
                  --rooms=10 (kill -9 rounds) --members=10 (members on the killed node)
                  (3 nodes from --beacon-jar on Redis 127.0.0.1:6379 and PostgreSQL 127.0.0.1:5432/test)
      """;

  /** Parses {@code SCENARIO --option=value ...}. */
  public static ScenarioConfig parse(List<String> args) {
    if (args.isEmpty()) {
      throw new ConfigException("no scenario given\n" + USAGE);
    }
    ScenarioKind kind = ScenarioKind.parse(args.get(0));
    Options o = Options.parse(args.subList(1, args.size()));
    Builder b = builder(kind);
    int cores = Runtime.getRuntime().availableProcessors();
    List<TargetKind> targets = new ArrayList<>();
    for (String t : o.string("targets", kind == ScenarioKind.FANOUT || kind == ScenarioKind.IDLE
        ? "beacon,baseline" : "beacon").split(",")) {
      TargetKind target = TargetKind.parse(t.trim());
      if (!targets.contains(target)) {
        targets.add(target);
      }
    }
    b.targets(targets);
    for (TargetKind target : TargetKind.values()) {
      String name = target.label();
      if (o.has(name)) {
        String address = o.string(name, null);
        dev.beacon.bench.client.Endpoint.parse(address); // fails early on a bad HOST:PORT
        b.address(target, address);
      }
      if (o.has(name + "-pid")) {
        b.pid(target, o.longValue(name + "-pid", 0, 1, Long.MAX_VALUE));
      }
    }
    String protocol = o.string("external-protocol", "raw");
    b.externalProtocol(switch (protocol) {
      case "raw" -> WireProtocol.RAW;
      case "pusher" -> WireProtocol.PUSHER;
      default -> throw new ConfigException("option --external-protocol takes raw or pusher, got '"
          + protocol + "'");
    });
    b.uwsScript(Path.of(o.string("uws-script", b.uwsScript.toString())));
    b.node(o.string("node", b.node));
    b.connections(o.integer("connections", b.connections, 1, 1_000_000));
    b.rooms(o.integer("rooms", b.rooms, 1, 1_000_000));
    b.members(o.integer("members", b.members, 1, 100_000));
    b.rate(o.decimal("rate", b.rate, 0, 1e9));
    b.payloads(o.integers("payloads", b.payloads, 16, 10 * 1024));
    b.publishers(List.of(o.string("publishers", String.join(",", b.publishers)).split(",")));
    b.fraction(o.decimal("fraction", b.fraction, 0.01, 1.0));
    b.duration(o.duration("duration", b.duration));
    b.warmup(o.duration("warmup", b.warmup));
    b.inFlight(o.integer("in-flight", b.inFlight, 1, 100_000));
    b.window(o.integer("window", b.window, 1, 100_000_000));
    b.clientThreads(o.integer("client-threads", cores, 1, 64));
    b.processes(o.integer("processes", 1, 1, 64));
    b.sources(o.integer("sources", 0, 0, 250));
    b.serverEventLoops(o.integer("server-event-loops", cores, 1, 256));
    b.heapSamples(o.flag("heap", true));
    b.beaconJar(Path.of(o.string("beacon-jar", b.beaconJar.toString())));
    b.serverJvmArgs(o.string("server-jvm-args", b.serverJvmArgs));
    b.serverJvmDefaults(JvmDefaults.parse(o.string("server-jvm-defaults",
        b.serverJvmDefaults.label())));
    b.appId(o.string("app-id", b.appId));
    b.appKey(o.string("app-key", b.appKey));
    b.appSecret(o.string("app-secret", b.appSecret));
    b.outputDir(Path.of(o.string("out", b.outputDir.toString())));
    b.repeat(o.integer("repeat", 1, 1, 100));
    b.users(o.integer("users", b.users, 1, 10_000_000));
    b.rounds(o.integer("rounds", b.rounds, 1, 100));
    b.generatorWarmup(o.integer("generator-warmup", b.generatorWarmup, 0, 1_000_000));
    o.requireAllRead();
    return b.build();
  }

  /** A builder holding each scenario's defaults. */
  public static Builder builder(ScenarioKind kind) {
    return new Builder(kind);
  }

  /** Collects settings; {@link #build} validates them. */
  public static final class Builder {
    private final ScenarioKind scenario;
    private List<TargetKind> targets = List.of(TargetKind.BEACON, TargetKind.BASELINE);
    private int connections;
    private int rooms;
    private int members;
    private double rate;
    private List<Integer> payloads = List.of(64, 1024);
    private List<String> publishers = List.of("http", "client");
    private double fraction = 0.5;
    private Duration duration = Duration.ofSeconds(10);
    private Duration warmup = Duration.ofSeconds(3);
    private int inFlight = 256;
    private int window = 64_000;
    private int clientThreads = Runtime.getRuntime().availableProcessors();
    private int processes = 1;
    private int sources;
    private int serverEventLoops = Runtime.getRuntime().availableProcessors();
    private boolean heapSamples = true;
    private final Map<TargetKind, String> addresses = new EnumMap<>(TargetKind.class);
    private final Map<TargetKind, Long> pids = new EnumMap<>(TargetKind.class);
    private WireProtocol externalProtocol = WireProtocol.RAW;
    private Path uwsScript = Path.of("beacon-bench/uws/server.js");
    private String node = "node";
    private Path beaconJar = Path.of("beacon-server/target/beacon.jar");
    private String serverJvmArgs = "";
    private String appId = "bench";
    private String appKey = "bench-key";
    private String appSecret = "bench-secret";
    private Path outputDir = Path.of("bench-results");
    private int repeat = 1;
    private int users = 10_000;
    private int rounds = 1;
    private JvmDefaults serverJvmDefaults = JvmDefaults.LAUNCHER;
    private int generatorWarmup;

    private Builder(ScenarioKind scenario) {
      this.scenario = scenario;
      switch (scenario) {
        case IDLE -> connections = 1000;
        case FANOUT -> connections = 1000;
        case ROOMS -> {
          rooms = 100;
          members = 10;
          rate = 1000;
        }
        case CHURN -> {
          rooms = 2;
          members = 500;
          rate = 2000;
        }
        case CONNECT -> connections = 5000;
        case LIVE -> {
          rooms = 1000;
          members = 10;
          rate = 1000;
        }
        case HEARTBEAT -> {
          connections = 64;
          rate = 50_000;
        }
        case MESSAGES -> {
          rooms = 100;
          members = 10;
          rate = 1000;
        }
        case STREAM -> {
          rooms = 100;
          members = 10;
          rate = 5000;
        }
        case CLUSTER -> {
          connections = 300;
          rooms = 10;
          members = 10;
          payloads = List.of(64);
          publishers = List.of("http");
        }
      }
      if (rooms == 0) {
        rooms = 1;
      }
      if (members == 0) {
        members = 2;
      }
      if (connections == 0) {
        connections = 1;
      }
    }

    public Builder targets(List<TargetKind> v) { targets = v; return this; }
    public Builder connections(int v) { connections = v; return this; }
    public Builder rooms(int v) { rooms = v; return this; }
    public Builder members(int v) { members = v; return this; }
    public Builder rate(double v) { rate = v; return this; }
    public Builder payloads(List<Integer> v) { payloads = v; return this; }
    public Builder publishers(List<String> v) { publishers = v; return this; }
    public Builder fraction(double v) { fraction = v; return this; }
    public Builder duration(Duration v) { duration = v; return this; }
    public Builder warmup(Duration v) { warmup = v; return this; }
    public Builder inFlight(int v) { inFlight = v; return this; }
    public Builder window(int v) { window = v; return this; }
    public Builder clientThreads(int v) { clientThreads = v; return this; }
    public Builder processes(int v) { processes = v; return this; }
    public Builder sources(int v) { sources = v; return this; }
    public Builder serverEventLoops(int v) { serverEventLoops = v; return this; }
    public Builder heapSamples(boolean v) { heapSamples = v; return this; }
    public Builder beaconAddress(String v) { return address(TargetKind.BEACON, v); }
    public Builder baselineAddress(String v) { return address(TargetKind.BASELINE, v); }
    public Builder address(TargetKind k, String v) { addresses.put(k, v); return this; }
    public Builder pid(TargetKind k, long v) { pids.put(k, v); return this; }
    public Builder externalProtocol(WireProtocol v) { externalProtocol = v; return this; }
    public Builder uwsScript(Path v) { uwsScript = v; return this; }
    public Builder node(String v) { node = v; return this; }
    public Builder beaconJar(Path v) { beaconJar = v; return this; }
    public Builder serverJvmArgs(String v) { serverJvmArgs = v; return this; }
    public Builder appId(String v) { appId = v; return this; }
    public Builder users(int v) { users = v; return this; }
    public Builder appKey(String v) { appKey = v; return this; }
    public Builder appSecret(String v) { appSecret = v; return this; }
    public Builder outputDir(Path v) { outputDir = v; return this; }
    public Builder repeat(int v) { repeat = v; return this; }
    public Builder rounds(int v) { rounds = v; return this; }
    public Builder serverJvmDefaults(JvmDefaults v) { serverJvmDefaults = v; return this; }
    public Builder generatorWarmup(int v) { generatorWarmup = v; return this; }

    public ScenarioConfig build() {
      return new ScenarioConfig(scenario, targets, connections, rooms, members, rate, payloads,
          publishers, fraction, duration, warmup, inFlight, window, clientThreads, processes, sources,
          serverEventLoops, heapSamples, addresses, pids, externalProtocol, uwsScript, node,
          beaconJar, serverJvmArgs, appId, appKey, appSecret, outputDir, repeat, users, rounds,
          serverJvmDefaults, generatorWarmup);
    }
  }
}
