package dev.beacon.server.config;

import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.app.AuthSettings;
import dev.beacon.core.app.FunctionSettings;
import dev.beacon.core.app.PushSettings;
import dev.beacon.core.app.WebhookSettings;
import dev.beacon.server.cluster.ClusterSettings;
import dev.beacon.server.dashboard.DashboardSettings;
import dev.beacon.server.store.DatabaseSettings;
import dev.beacon.core.pusher.PusherSettings;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads the configuration: built-in defaults, then a YAML file, then {@code BEACON_...}
 * environment variables, each overriding the one before. A key's variable is its dotted path in
 * upper case with dots as underscores ({@code websocket.activity_timeout} is {@code
 * BEACON_WEBSOCKET_ACTIVITY_TIMEOUT}; the secret of the first app is {@code BEACON_APPS_0_SECRET}).
 * Unknown keys and bad values fail with the key and the value named.
 */
public final class ConfigLoader {

  /** The development app of the embedded default. */
  public static final String DEV_APP_ID = "app-id";
  public static final String DEV_APP_KEY = "app-key";
  public static final String DEV_APP_SECRET = "app-secret";

  private static final List<String> TOP_KEYS = List.of(
      "mode", "host", "port", "data_dir", "event_loops", "shutdown_grace_seconds",
      "shutdown.drain_seconds", "max_request_bytes",
      "websocket.activity_timeout", "websocket.pong_timeout", "websocket.max_message_bytes",
      "websocket.max_sync_message_bytes",
      "websocket.max_buffered_bytes", "websocket.lane_queue_limit",
      "cache.ttl_seconds", "cache.max_channels_per_app",
      "db.url", "db.user", "db.password", "db.schema", "db.pool_size",
      "functions.workers", "functions.queue",
      "dashboard.enabled", "dashboard.console", "dashboard.console_entries",
      "dashboard.username", "dashboard.password",
      "push.max_in_flight", "push.claim_seconds", "push.send_timeout_seconds", "push.max_queued",
      "http.request_timeout_seconds", "http.idle_timeout_seconds", "http.max_pending_per_address",
      "tls.cert_file", "tls.key_file",
      "cluster.redis_url", "cluster.node_id", "cluster.key_prefix",
      "log.format", "log.level");

  private static final List<String> APP_KEYS = List.of(
      "id", "key", "secret", "enabled", "client_events", "user_authentication_required",
      "signin_timeout_seconds", "max_connections", "max_presence_members", "max_subscriptions_per_connection", "max_payload_bytes",
      "max_event_name_length", "max_user_info_bytes", "client_events_per_second",
      "max_channels_per_event", "max_batch_events", "subscription_count_events",
      "watchlist_events", "encryption_master_key_base64",
      "admin_key", "jwt_secret", "jwks_url", "jwt_issuer", "jwt_audience",
      "presence_ttl_seconds", "typing_ttl_seconds", "activity_ttl_hours",
      "notification_retention_days", "open_rooms", "heartbeats_per_second", "typing_per_second",
      "anonymous_presence",
      "max_message_bytes", "messages_per_second", "stream_idle_timeout_seconds", "max_stream_bytes",
      "push.when", "push.ttl_seconds", "push.per_user_per_minute",
      "push.web.vapid_public_key", "push.web.vapid_private_key", "push.web.subject",
      "push.apns.team_id", "push.apns.key_id", "push.apns.key_file", "push.apns.topic",
      "push.apns.production", "push.apns.endpoint", "push.apns.trusted_certificate_file",
      "push.fcm.service_account_file", "push.fcm.endpoint", "push.fcm.token_url",
      "webhook_batching", "webhook_grace_ms", "webhook_timeout_ms", "webhook_retry_seconds",
      "webhook_first_retry_ms", "webhook_queue");

  /** An endpoint's keys under {@code apps.N.webhooks.M.} (YAML lists and maps flatten to these). */
  private static final Pattern WEBHOOK_KEY = Pattern.compile(
      "apps\\.(\\d+)\\.webhooks\\.(\\d+)\\.(url|event_types|event_types\\.\\d+"
      + "|filter\\.channel_name_starts_with|filter\\.channel_name_ends_with|headers|headers\\..+)");
  /** An endpoint's environment variables: event types comma-separated, headers a JSON object. */
  private static final Pattern WEBHOOK_ENV = Pattern.compile(
      "apps_(\\d+)_webhooks_(\\d+)_(url|event_types|filter_channel_name_starts_with"
      + "|filter_channel_name_ends_with|headers)");

  /** The JWT secret of the development app; refused in production. */
  public static final String DEV_JWT_SECRET = "beacon-development-jwt-secret-not-for-production";

  private static final Pattern APP_ENV = Pattern.compile("apps_(\\d+)_(.+)");

  private ConfigLoader() {}

  /** Loads from an optional YAML file and the given environment. */
  public static BeaconConfig load(Optional<Path> file, Map<String, String> env) {
    Map<String, String> values = new LinkedHashMap<>();
    if (file.isPresent()) {
      flatten("", readYaml(file.get()), values);
    }
    List<String> unknown = new ArrayList<>();
    for (String key : values.keySet()) {
      if (!known(key)) {
        unknown.add(key);
      }
    }
    if (!unknown.isEmpty()) {
      throw new ConfigException("unknown config key" + (unknown.size() > 1 ? "s " : " ")
          + String.join(", ", unknown) + " in " + file.get());
    }
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (!e.getKey().startsWith("BEACON_")) {
        continue;
      }
      String name = e.getKey().substring("BEACON_".length()).toLowerCase(Locale.ROOT);
      String key = keyForEnv(name);
      if (key != null) {
        values.put(key, e.getValue());
      }
    }
    return bind(new Values(values, file.map(Path::toString).orElse("defaults")));
  }

  /** The configuration key an environment variable (without {@code BEACON_}) overrides, or null. */
  static String keyForEnv(String name) {
    for (String key : TOP_KEYS) {
      if (key.replace('.', '_').equals(name)) {
        return key;
      }
    }
    Matcher w = WEBHOOK_ENV.matcher(name);
    if (w.matches()) {
      String field = w.group(3).startsWith("filter_")
          ? "filter." + w.group(3).substring("filter_".length()) : w.group(3);
      return "apps." + Integer.parseInt(w.group(1)) + ".webhooks." + Integer.parseInt(w.group(2))
          + "." + field;
    }
    Matcher m = APP_ENV.matcher(name);
    if (m.matches()) {
      for (String field : APP_KEYS) {
        if (field.replace('.', '_').equals(m.group(2))) {
          return "apps." + Integer.parseInt(m.group(1)) + "." + field;
        }
      }
    }
    return null;
  }

  private static boolean known(String key) {
    if (TOP_KEYS.contains(key)) {
      return true;
    }
    if (WEBHOOK_KEY.matcher(key).matches()) {
      return true;
    }
    Matcher m = Pattern.compile("apps\\.(\\d+)\\.(.+)").matcher(key);
    return m.matches() && APP_KEYS.contains(m.group(2));
  }

  private static Object readYaml(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("config file " + file + " does not exist or is not a file");
    }
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      Object root = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
      if (root == null) {
        return Map.of();
      }
      if (!(root instanceof Map)) {
        throw new ConfigException("config file " + file + " must hold a mapping of keys");
      }
      return root;
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
    } catch (YAMLException e) {
      throw new ConfigException("config file " + file + " is not valid YAML: " + e.getMessage(), e);
    }
  }

  private static void flatten(String prefix, Object node, Map<String, String> out) {
    if (node instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        flatten(prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey(),
            e.getValue(), out);
      }
    } else if (node instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        flatten(prefix + "." + i, list.get(i), out);
      }
    } else if (node != null) {
      out.put(prefix, String.valueOf(node));
    }
  }

  private static BeaconConfig bind(Values v) {
    Mode mode = v.mode("mode");
    boolean dev = mode == Mode.DEVELOPMENT;
    String host = v.string("host", dev ? "127.0.0.1" : "0.0.0.0");
    int port = v.integer("port", 6001, 0, 65535);
    Path dataDir = Path.of(v.string("data_dir", "./beacon-data"));
    int cores = Runtime.getRuntime().availableProcessors();
    int eventLoops = v.integer("event_loops", Math.max(2, 2 * cores), 1, 256);
    PusherSettings pusher = new PusherSettings(
        v.integer("websocket.activity_timeout", 120, 1, 3600),
        v.integer("websocket.pong_timeout", 30, 1, 3600),
        v.integer("cache.ttl_seconds", 1800, 1, 7 * 24 * 3600),
        v.integer("cache.max_channels_per_app", 10_000, 1, 10_000_000));
    int maxMessage = v.integer("websocket.max_message_bytes", 128 * 1024, 1024, 64 * 1024 * 1024);
    int maxSyncMessage = v.integer("websocket.max_sync_message_bytes", 1024 * 1024, 1024,
        64 * 1024 * 1024);
    int maxBuffered = v.integer("websocket.max_buffered_bytes", 1024 * 1024, 16 * 1024, Integer.MAX_VALUE);
    int laneQueue = v.integer("websocket.lane_queue_limit", 65_536, 16, 16_777_216);
    int maxRequest = v.integer("max_request_bytes", 1024 * 1024, 1024, 64 * 1024 * 1024);
    int grace = v.integer("shutdown_grace_seconds", 10, 0, 3600);
    int drain = v.integer("shutdown.drain_seconds", 5, 0, 3600);
    DatabaseSettings db;
    try {
      db = new DatabaseSettings(Optional.ofNullable(v.string("db.url", null)),
          Optional.ofNullable(v.string("db.user", null)), Optional.ofNullable(v.string("db.password", null)),
          Optional.ofNullable(v.string("db.schema", null)), v.integer("db.pool_size",
              v.values().containsKey("db.url") ? 10 : 4, 1, 200));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
    int workers = v.integer("functions.workers", Math.max(8, 4 * cores), 1, 1024);
    int queue = v.integer("functions.queue", 4096, 1, 1_000_000);

    List<App> apps = new ArrayList<>();
    // the first app always exists: unless configured, it is the development app
    Set<Integer> indices = v.appIndices();
    indices.add(0);
    int last = indices.stream().mapToInt(Integer::intValue).max().orElse(0);
    for (int i = 0; i <= last; i++) {
      if (!indices.contains(i)) {
        throw new ConfigException("apps." + i + " is missing: apps must be numbered from 0 without gaps");
      }
      apps.add(app(v, i, dev));
    }
    for (int i = 0; i < apps.size(); i++) {
      if (mode == Mode.PRODUCTION && apps.get(i).secret().equals(DEV_APP_SECRET)) {
        throw new ConfigException("apps." + i + ".secret: the development secret '" + DEV_APP_SECRET
            + "' cannot be used in production; set BEACON_APPS_" + i + "_SECRET");
      }
      if (mode == Mode.PRODUCTION && apps.get(i).auth().adminKey().equals(DEV_APP_SECRET)) {
        throw new ConfigException("apps." + i + ".admin_key: the development key cannot be used in "
            + "production; set BEACON_APPS_" + i + "_ADMIN_KEY");
      }
      if (mode == Mode.PRODUCTION
          && apps.get(i).auth().jwtSecret().filter(DEV_JWT_SECRET::equals).isPresent()) {
        throw new ConfigException("apps." + i + ".jwt_secret: the development JWT secret cannot be "
            + "used in production; set BEACON_APPS_" + i + "_JWT_SECRET");
      }
      if (mode == Mode.PRODUCTION) {
        shortSecret(i, apps.get(i).id(), "secret", apps.get(i).secret());
        if (!apps.get(i).auth().adminKey().equals(apps.get(i).secret())) {
          shortSecret(i, apps.get(i).id(), "admin_key", apps.get(i).auth().adminKey());
        }
      }
    }
    try {
      Apps.of(apps);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("apps: " + e.getMessage());
    }
    int pushSendTimeout = v.integer("push.send_timeout_seconds", 30, 1, 600);
    int pushClaim = v.integer("push.claim_seconds", 60, 2, 3600);
    int claimMargin = Math.min(CLAIM_MARGIN_SECONDS, pushSendTimeout);
    if (pushClaim < pushSendTimeout + claimMargin) {
      throw new ConfigException("push.claim_seconds (" + pushClaim + ") must be at least "
          + claimMargin + " s longer than push.send_timeout_seconds (" + pushSendTimeout
          + "), so a claim outlasts a send that hangs");
    }
    int pushMaxQueued = v.integer("push.max_queued", 1_000_000, 1, Integer.MAX_VALUE);
    return new BeaconConfig(mode, host, port, dataDir, eventLoops, pusher, maxMessage,
        maxSyncMessage, maxBuffered,
        laneQueue, maxRequest, grace, drain, apps, db, workers, queue, dashboard(v, mode),
        pushSendTimeout, pushMaxQueued,
        v.integer("push.max_in_flight", 64, 1, 10_000), pushClaim, transport(v), cluster(v, db), log(v));
  }

  /** The log format ({@code plain} or {@code json}) and the root level. */
  private static dev.beacon.server.log.LogSettings log(Values v) {
    String format = v.string("log.format", "plain");
    dev.beacon.server.log.LogSettings.Format f = dev.beacon.server.log.LogSettings.Format.parse(format);
    if (f == null) {
      throw new ConfigException("config key 'log.format' must be 'plain' or 'json', got '" + format + "'");
    }
    String level = v.string("log.level", "INFO");
    try {
      return new dev.beacon.server.log.LogSettings(f, level);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("config key 'log.level' must be one of "
          + dev.beacon.server.log.LogSettings.LEVELS + ", got '" + level + "'");
    }
  }

  /** Request deadlines, keep-alive, pending connections per address and TLS. */
  private static TransportSettings transport(Values v) {
    Optional<Path> cert = Optional.ofNullable(v.string("tls.cert_file", null)).filter(s -> !s.isEmpty())
        .map(Path::of);
    Optional<Path> key = Optional.ofNullable(v.string("tls.key_file", null)).filter(s -> !s.isEmpty())
        .map(Path::of);
    if (cert.isPresent() != key.isPresent()) {
      throw new ConfigException("config keys 'tls.cert_file' and 'tls.key_file' go together: "
          + (cert.isPresent() ? "'tls.key_file' is missing" : "'tls.cert_file' is missing"));
    }
    for (Optional<Path> file : List.of(cert, key)) {
      if (file.isPresent() && !Files.isReadable(file.get())) {
        throw new ConfigException("TLS file " + file.get() + " (tls." + (file == cert ? "cert_file" : "key_file")
            + ") does not exist or cannot be read");
      }
    }
    return new TransportSettings(
        v.integer("http.request_timeout_seconds", TransportSettings.DEFAULTS.requestTimeoutSeconds(), 1, 3600),
        v.integer("http.idle_timeout_seconds", TransportSettings.DEFAULTS.idleTimeoutSeconds(), 1, 24 * 3600),
        v.integer("http.max_pending_per_address", TransportSettings.DEFAULTS.maxPendingPerAddress(), 0,
            1_000_000),
        cert, key);
  }

  /**
   * Cluster mode: on with {@code cluster.redis_url}, and then only with PostgreSQL, since every
   * node must see the same durable data.
   */
  private static ClusterSettings cluster(Values v, DatabaseSettings db) {
    Optional<String> url = Optional.ofNullable(v.string("cluster.redis_url", null)).filter(s -> !s.isEmpty());
    if (url.isPresent() && !db.url().map(u -> u.startsWith("jdbc:postgresql:")).orElse(false)) {
      throw new ConfigException("config key 'cluster.redis_url' is set ('" + url.get() + "') but "
          + "'db.url' is " + db.url().map(u -> "'" + u + "'").orElse("not set (embedded SQLite)")
          + ": cluster mode needs PostgreSQL shared by every node (db.url: jdbc:postgresql://...)");
    }
    try {
      return new ClusterSettings(url,
          Optional.ofNullable(v.string("cluster.node_id", null)).filter(s -> !s.isEmpty())
              .orElseGet(ClusterSettings::defaultNodeId),
          v.string("cluster.key_prefix", "beacon:"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  /**
   * How much longer than a push send's timeout its outbox claim lasts, at least (as much as the
   * timeout itself when that is shorter: a short timeout, as a test sets, allows a short claim).
   */
  static final int CLAIM_MARGIN_SECONDS = 15;

  /** Minimum length of an app's secret (and admin key) in production. */
  static final int MIN_SECRET = 16;

  private static void shortSecret(int i, String appId, String key, String value) {
    if (value.length() < MIN_SECRET) {
      throw new ConfigException("apps." + i + "." + key + " of app '" + appId + "' is " + value.length()
          + " characters; production needs at least " + MIN_SECRET + " (a long random string): set "
          + "BEACON_APPS_" + i + "_" + key.toUpperCase(Locale.ROOT));
    }
  }

  /** Minimum length of the dashboard password in production. */
  static final int MIN_DASHBOARD_PASSWORD = 12;

  /**
   * The dashboard: on with its console in development, off in production unless enabled, and
   * then only with credentials.
   */
  private static DashboardSettings dashboard(Values v, Mode mode) {
    boolean dev = mode == Mode.DEVELOPMENT;
    boolean enabled = v.bool("dashboard.enabled", dev);
    boolean console = v.bool("dashboard.console", dev && enabled);
    int entries = v.integer("dashboard.console_entries", DashboardSettings.DEFAULT_CONSOLE_ENTRIES, 10, 100_000);
    Optional<String> username = Optional.ofNullable(v.string("dashboard.username", null))
        .filter(s -> !s.isEmpty());
    Optional<String> password = Optional.ofNullable(v.values().get("dashboard.password"))
        .filter(s -> !s.isEmpty());
    if (username.isPresent() && password.isEmpty()) {
      throw new ConfigException("config key 'dashboard.password' is required when 'dashboard.username' "
          + "is set ('" + username.get() + "')");
    }
    if (password.isPresent() && username.isEmpty()) {
      throw new ConfigException("config key 'dashboard.username' is required when 'dashboard.password' is set");
    }
    if (console && !enabled) {
      throw new ConfigException("config key 'dashboard.console' is true but 'dashboard.enabled' is false: "
          + "nothing would show the console");
    }
    if (!dev && enabled && username.isEmpty()) {
      throw new ConfigException("config key 'dashboard.enabled' is true in production, which needs "
          + "'dashboard.username' and 'dashboard.password' (BEACON_DASHBOARD_USERNAME, "
          + "BEACON_DASHBOARD_PASSWORD); or set dashboard.enabled: false");
    }
    if (!dev && enabled && password.get().length() < MIN_DASHBOARD_PASSWORD) {
      throw new ConfigException("config key 'dashboard.password' must be at least " + MIN_DASHBOARD_PASSWORD
          + " characters in production, got " + password.get().length());
    }
    return new DashboardSettings(enabled, console, entries, username, password);
  }

  private static App app(Values v, int i, boolean dev) {
    String p = "apps." + i + ".";
    boolean first = i == 0;
    String id = v.string(p + "id", first ? DEV_APP_ID : null);
    String key = v.string(p + "key", first ? DEV_APP_KEY : null);
    String secret = v.string(p + "secret", first ? DEV_APP_SECRET : null);
    try {
      return App.builder(id, key, secret)
          .enabled(v.bool(p + "enabled", true))
          .clientEvents(v.bool(p + "client_events", true))
          .userAuthenticationRequired(v.bool(p + "user_authentication_required", false))
          .signinTimeoutSeconds(v.integer(p + "signin_timeout_seconds", 30, 1, 3600))
          .maxConnections(v.integer(p + "max_connections", 0, 0, Integer.MAX_VALUE))
          .maxPresenceMembers(v.integer(p + "max_presence_members", 100, 1, 1_000_000))
          .maxSubscriptionsPerConnection(v.integer(p + "max_subscriptions_per_connection", 1000, 1, 1_000_000))
          .maxPayloadBytes(v.integer(p + "max_payload_bytes", 10 * 1024, 1, 16 * 1024 * 1024))
          .maxEventNameLength(v.integer(p + "max_event_name_length", 200, 1, 10_000))
          .maxUserInfoBytes(v.integer(p + "max_user_info_bytes", 1024, 1, 1024 * 1024))
          .clientEventsPerSecond(v.integer(p + "client_events_per_second", 10, 1, 1_000_000))
          .maxChannelsPerEvent(v.integer(p + "max_channels_per_event", 100, 1, 10_000))
          .maxBatchEvents(v.integer(p + "max_batch_events", 10, 1, 10_000))
          .subscriptionCountEvents(v.bool(p + "subscription_count_events", false))
          .watchlistEvents(v.bool(p + "watchlist_events", true))
          .encryptionMasterKeyBase64(v.string(p + "encryption_master_key_base64", null))
          .functions(new FunctionSettings(
              v.integer(p + "presence_ttl_seconds", 60, 1, 86_400),
              v.integer(p + "typing_ttl_seconds", 5, 1, 3600),
              v.integer(p + "activity_ttl_hours", 24, 1, 24 * 365),
              v.integer(p + "notification_retention_days", 90, 1, 36_500),
              v.bool(p + "open_rooms", true),
              v.integer(p + "heartbeats_per_second", 5, 1, 10_000),
              v.integer(p + "typing_per_second", 10, 1, 10_000),
              v.bool(p + "anonymous_presence", false)))
          .auth(new AuthSettings(
              v.string(p + "admin_key", secret),
              Optional.ofNullable(v.string(p + "jwt_secret", first && dev ? DEV_JWT_SECRET : null)),
              Optional.ofNullable(v.string(p + "jwks_url", null)),
              Optional.ofNullable(v.string(p + "jwt_issuer", null)),
              v.string(p + "jwt_audience", id)))
          .push(push(v, p + "push.", dev))
          .webhooks(webhooks(v, i))
          .messages(new dev.beacon.core.app.MessageSettings(
              v.integer(p + "max_message_bytes", 16 * 1024, 1, 1024 * 1024),
              v.integer(p + "messages_per_second", 10, 1, 100_000),
              v.integer(p + "stream_idle_timeout_seconds", 300, 1, 86_400),
              v.integer(p + "max_stream_bytes", 1024 * 1024, 1, 16 * 1024 * 1024)))
          .build();
    } catch (IllegalArgumentException e) {
      throw new ConfigException("apps." + i + ": " + e.getMessage());
    }
  }

  /**
   * An app's webhooks: endpoints numbered from 0 without gaps ({@code apps.N.webhooks.M.url},
   * {@code event_types} as a list or a comma-separated string, {@code filter.channel_name_starts_with}
   * / {@code _ends_with}, {@code headers} as a map or a JSON object) and the app's delivery keys.
   */
  private static WebhookSettings webhooks(Values v, int app) {
    String p = "apps." + app + ".webhooks.";
    Set<Integer> indices = new TreeSet<>();
    Pattern index = Pattern.compile(Pattern.quote(p) + "(\\d+)\\..+");
    for (String key : v.values().keySet()) {
      Matcher m = index.matcher(key);
      if (m.matches()) {
        indices.add(Integer.parseInt(m.group(1)));
      }
    }
    List<WebhookSettings.Endpoint> endpoints = new ArrayList<>();
    int n = 0;
    for (int i : indices) {
      if (i != n++) {
        throw new ConfigException(p + (n - 1) + " is missing: webhooks must be numbered from 0 "
            + "without gaps");
      }
      String e = p + i + ".";
      String url = v.string(e + "url", null);
      if (url == null) {
        throw new ConfigException("config key '" + e + "url' is required");
      }
      Set<String> types = new java.util.LinkedHashSet<>();
      String flat = v.values().get(e + "event_types");
      if (flat != null) {
        for (String t : flat.split(",")) {
          if (!t.isBlank()) {
            types.add(t.trim());
          }
        }
      } else {
        for (int k = 0; v.values().containsKey(e + "event_types." + k); k++) {
          types.add(v.values().get(e + "event_types." + k).trim());
        }
      }
      java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
      String headersJson = v.values().get(e + "headers");
      if (headersJson != null) {
        try {
          var node = dev.beacon.protocol.json.Json.mapper().readTree(headersJson);
          if (node == null || !node.isObject()) {
            throw new ConfigException("config key '" + e + "headers' must be a JSON object of "
                + "header names to values, got '" + headersJson + "'");
          }
          node.fields().forEachRemaining(f -> headers.put(f.getKey(), f.getValue().asText()));
        } catch (java.io.IOException ex) {
          throw new ConfigException("config key '" + e + "headers' must be a JSON object of "
              + "header names to values, got '" + headersJson + "'");
        }
      }
      for (java.util.Map.Entry<String, String> h : v.values().entrySet()) {
        if (h.getKey().startsWith(e + "headers.")) {
          headers.put(h.getKey().substring((e + "headers.").length()), h.getValue());
        }
      }
      try {
        endpoints.add(new WebhookSettings.Endpoint(url.trim(), types,
            Optional.ofNullable(v.string(e + "filter.channel_name_starts_with", null)),
            Optional.ofNullable(v.string(e + "filter.channel_name_ends_with", null)), headers));
      } catch (IllegalArgumentException ex) {
        throw new ConfigException(p + i + ": " + ex.getMessage());
      }
    }
    String a = "apps." + app + ".";
    return new WebhookSettings(endpoints, v.bool(a + "webhook_batching", false),
        v.integer(a + "webhook_grace_ms", 3000, 0, 600_000),
        v.integer(a + "webhook_timeout_ms", 4000, 100, 60_000),
        v.integer(a + "webhook_retry_seconds", 300, 0, 86_400) * 1000L,
        v.integer(a + "webhook_first_retry_ms", 1000, 10, 60_000),
        v.integer(a + "webhook_queue", 10_000, 1, 10_000_000));
  }

  /** An app's offline push; a service is configured when any of its keys is. */
  private static PushSettings push(Values v, String p, boolean dev) {
    String when = v.string(p + "when", "offline").toLowerCase(Locale.ROOT);
    if (!when.equals("offline") && !when.equals("always")) {
      throw new ConfigException("config key '" + p + "when' must be 'offline' or 'always', got '"
          + when + "'");
    }
    Optional<PushSettings.Web> web = Optional.empty();
    if (v.any(p + "web.")) {
      web = Optional.of(new PushSettings.Web(v.string(p + "web.vapid_public_key", ""),
          v.string(p + "web.vapid_private_key", ""),
          v.string(p + "web.subject", dev ? "mailto:beacon@localhost" : null)));
    }
    Optional<PushSettings.Apns> apns = Optional.empty();
    if (v.any(p + "apns.")) {
      Optional<String> endpoint = Optional.ofNullable(v.string(p + "apns.endpoint", null));
      endpoint.ifPresent(e -> {
        if (!e.matches("[A-Za-z0-9.\\-]+:\\d{1,5}")) {
          throw new ConfigException("config key '" + p + "apns.endpoint' must be host:port, got '"
              + e + "'");
        }
      });
      apns = Optional.of(new PushSettings.Apns(v.string(p + "apns.team_id", ""),
          v.string(p + "apns.key_id", ""), v.string(p + "apns.key_file", ""),
          v.string(p + "apns.topic", ""), v.bool(p + "apns.production", !dev), endpoint,
          Optional.ofNullable(v.string(p + "apns.trusted_certificate_file", null))));
    }
    Optional<PushSettings.Fcm> fcm = Optional.empty();
    if (v.any(p + "fcm.")) {
      fcm = Optional.of(new PushSettings.Fcm(v.string(p + "fcm.service_account_file", ""),
          serviceUrl(v, p + "fcm.endpoint", dev), serviceUrl(v, p + "fcm.token_url", dev)));
    }
    return new PushSettings(PushSettings.When.valueOf(when.toUpperCase(Locale.ROOT)),
        v.integer(p + "ttl_seconds", 86_400, 1, 28 * 86_400),
        v.integer(p + "per_user_per_minute", 60, 1, 1_000_000), web, apns, fcm, dev);
  }

  /** A push service URL: https, or http on a loopback address in development mode. */
  private static Optional<String> serviceUrl(Values v, String key, boolean dev) {
    String url = v.string(key, null);
    if (url == null) {
      return Optional.empty();
    }
    java.net.URI uri;
    try {
      uri = new java.net.URI(url);
    } catch (java.net.URISyntaxException e) {
      throw new ConfigException("config key '" + key + "' must be a URL, got '" + url + "'");
    }
    boolean loopback = uri.getHost() != null && (uri.getHost().equals("localhost")
        || uri.getHost().startsWith("127.") || uri.getHost().equals("[::1]"));
    if ("https".equals(uri.getScheme()) && uri.getHost() != null
        || "http".equals(uri.getScheme()) && dev && loopback) {
      return Optional.of(url);
    }
    throw new ConfigException("config key '" + key + "' must be an https:// URL (http:// only on "
        + "a loopback address in development mode), got '" + url + "'");
  }

  /** The flattened values, read with types and ranges. */
  private record Values(Map<String, String> values, String source) {

    String string(String key, String fallback) {
      String value = values.get(key);
      if (value == null) {
        if (fallback == null && (key.endsWith(".id") || key.endsWith(".key") || key.endsWith(".secret"))
            && key.startsWith("apps.")) {
          throw new ConfigException("config key '" + key + "' is required");
        }
        return fallback;
      }
      return value.trim();
    }

    int integer(String key, int fallback, int min, int max) {
      String value = values.get(key);
      if (value == null) {
        return fallback;
      }
      try {
        long n = Long.parseLong(value.trim());
        if (n < min || n > max) {
          throw new ConfigException("config key '" + key + "' must be between " + min + " and "
              + max + ", got '" + value + "'");
        }
        return (int) n;
      } catch (NumberFormatException e) {
        throw new ConfigException("config key '" + key + "' must be an integer, got '" + value + "'");
      }
    }

    boolean bool(String key, boolean fallback) {
      String value = values.get(key);
      if (value == null) {
        return fallback;
      }
      switch (value.trim().toLowerCase(Locale.ROOT)) {
        case "true":
          return true;
        case "false":
          return false;
        default:
          throw new ConfigException("config key '" + key + "' must be true or false, got '" + value + "'");
      }
    }

    Mode mode(String key) {
      String value = values.get(key);
      if (value == null) {
        return Mode.DEVELOPMENT;
      }
      try {
        return Mode.valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("config key '" + key
            + "' must be 'development' or 'production', got '" + value + "'");
      }
    }

    /** Whether any key starts with {@code prefix}. */
    boolean any(String prefix) {
      return values.keySet().stream().anyMatch(k -> k.startsWith(prefix));
    }

    Set<Integer> appIndices() {
      Set<Integer> out = new TreeSet<>();
      Pattern p = Pattern.compile("apps\\.(\\d+)\\..+");
      for (String key : values.keySet()) {
        Matcher m = p.matcher(key);
        if (m.matches()) {
          out.add(Integer.parseInt(m.group(1)));
        }
      }
      return out;
    }
  }
}
