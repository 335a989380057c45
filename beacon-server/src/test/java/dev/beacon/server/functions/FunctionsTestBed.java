package dev.beacon.server.functions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.app.FunctionSettings;
import dev.beacon.core.builtins.BuiltInFunctions;
import dev.beacon.core.functions.Caller;
import dev.beacon.core.functions.DependencyKey;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.core.functions.Functions;
import dev.beacon.core.hub.ChannelHub;
import dev.beacon.core.hub.ClusterBus;
import dev.beacon.core.hub.ManualLanes;
import dev.beacon.core.metrics.BeaconMetrics;
import dev.beacon.core.pusher.PusherLiveEvents;
import dev.beacon.core.social.LiveEvents;
import dev.beacon.core.time.ExpiryScheduler;
import dev.beacon.core.time.ManualClock;
import dev.beacon.protocol.convex.ConvexValues;
import dev.beacon.protocol.json.Json;
import dev.beacon.server.store.Database;
import dev.beacon.server.store.DatabaseSettings;
import dev.beacon.server.store.JdbcStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The built-in functions over a real store (SQLite in a temp folder, or PostgreSQL on this
 * machine in a fresh schema), a manual clock and manual lanes, with every live event and change
 * recorded. Background work runs inline, so tests see durable effects at once.
 */
final class FunctionsTestBed implements AutoCloseable {
  // commits are not waited for on disk (the tests kill Beacon, never PostgreSQL)
  static final String PG_URL =
      "jdbc:postgresql://127.0.0.1:5432/test?options=-c%20synchronous_commit%3Doff";

  final ManualClock clock = new ManualClock(1_700_000_000_000L);
  final ManualLanes lanes = new ManualLanes(2, clock, 100_000);
  final ExpiryScheduler expiry = new ExpiryScheduler(clock, 50);
  final ChannelHub hub = new ChannelHub(lanes.lanes(), clock, BeaconMetrics.NONE, ClusterBus.LOCAL,
      60_000, 100);
  final List<String> events = Collections.synchronizedList(new ArrayList<>());
  final List<DependencyKey> changes = Collections.synchronizedList(new ArrayList<>());
  /** Background work held back while {@link #deferBackground} is set, as a busy pool would. */
  final java.util.Queue<Runnable> background = new java.util.concurrent.ConcurrentLinkedQueue<>();
  volatile boolean deferBackground;
  final App app;
  final Apps apps;
  final Database db;
  final BuiltInFunctions builtIns;
  final Functions functions;
  private final Optional<String> schema;
  /** The SQLite data folder (empty on PostgreSQL). */
  private final Optional<Path> dataDir;

  FunctionsTestBed(Database.Kind kind, FunctionSettings settings) throws Exception {
    this(kind, App.builder("app-id", "app-key", "app-secret").functions(settings).build());
  }

  FunctionsTestBed(Database.Kind kind, App app) throws Exception {
    this.app = app;
    this.apps = Apps.of(List.of(app));
    if (kind == Database.Kind.SQLITE) {
      schema = Optional.empty();
      dataDir = Optional.of(Files.createTempDirectory("beacon-fn"));
      db = Database.open(DatabaseSettings.EMBEDDED, dataDir.get());
    } else {
      schema = Optional.of("beacon_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
      dataDir = Optional.empty();
      db = openDatabase();
    }
    LiveEvents live = new LiveEvents() {
      final PusherLiveEvents pusher = new PusherLiveEvents(hub);

      @Override
      public void toUser(App a, String userId, String event, JsonNode data) {
        events.add(LiveEvents.userChannel(userId) + " " + event + " " + Json.write(data));
        pusher.toUser(a, userId, event, data);
      }

      @Override
      public void toRoom(App a, String roomId, String event, JsonNode data) {
        events.add(LiveEvents.roomChannel(roomId) + " " + event + " " + Json.write(data));
        pusher.toRoom(a, roomId, event, data);
      }

      @Override
      public void toConversation(App a, String conversationId, String event, JsonNode data) {
        events.add(LiveEvents.conversationChannel(conversationId) + " " + event + " " + Json.write(data));
        pusher.toConversation(a, conversationId, event, data);
      }

      @Override
      public void endConversationAccess(App a, String conversationId, String userId) {
        events.add(LiveEvents.conversationChannel(conversationId) + " access-ended " + userId);
      }
    };
    builtIns = new BuiltInFunctions(apps, new JdbcStores(db), hub, live, changes::addAll, expiry,
        r -> {
          if (deferBackground) {
            background.add(r);
          } else {
            r.run();
          }
        });
    functions = builtIns.functions();
  }

  FunctionsTestBed(Database.Kind kind) throws Exception {
    this(kind, FunctionSettings.DEFAULT);
  }

  /**
   * Opens the same database again, as a restarted server does (same SQLite file, or same
   * PostgreSQL schema); the caller closes it.
   */
  Database openDatabase() {
    return dataDir.isPresent()
        ? Database.open(DatabaseSettings.EMBEDDED, dataDir.get())
        : Database.open(new DatabaseSettings(Optional.of(PG_URL), Optional.of("postgres"),
            Optional.empty(), schema, 4), Path.of("."));
  }

  /** A connection of its own to the test's PostgreSQL schema (another node's, say). */
  java.sql.Connection connectPostgres() throws java.sql.SQLException {
    java.sql.Connection c = DriverManager.getConnection(PG_URL, "postgres", "");
    c.setSchema(schema.orElseThrow());
    return c;
  }

  Caller user(String id) {
    return Caller.user(app, id);
  }

  Caller admin() {
    return Caller.backend(app);
  }

  /** Calls a function with JSON arguments; returns the value as the client would get it. */
  JsonNode call(Caller caller, String path, String argsJson) {
    var def = functions.resolve(path, Optional.empty());
    Functions.Result result = functions.invoke(def, caller,
        ConvexValues.fromJson(Json.parse(argsJson)));
    return ConvexValues.toJson(result.value());
  }

  /** The reads a query records. */
  List<DependencyKey> reads(Caller caller, String path, String argsJson) {
    var def = functions.resolve(path, Optional.empty());
    return new ArrayList<>(functions.invoke(def, caller,
        ConvexValues.fromJson(Json.parse(argsJson))).reads());
  }

  /** The error a call fails with. */
  FunctionException failure(Caller caller, String path, String argsJson) {
    try {
      call(caller, path, argsJson);
    } catch (FunctionException e) {
      return e;
    }
    throw new AssertionError(path + " did not fail");
  }

  /** Runs the background work held back so far. */
  void runBackground() {
    for (Runnable r; (r = background.poll()) != null; ) {
      r.run();
    }
  }

  /** Moves time on and runs what expired. */
  void advance(long millis) {
    clock.advance(millis);
    expiry.tick();
    lanes.runAll();
  }

  @Override
  public void close() throws java.sql.SQLException {
    db.close();
    if (schema.isPresent()) {
      try (var c = DriverManager.getConnection(PG_URL, "postgres", "");
          var s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS " + schema.get() + " CASCADE");
      }
    }
  }
}
