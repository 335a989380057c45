package dev.beacon.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beacon.core.app.App;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  @TempDir
  Path dir;

  @Test
  void embeddedDefaultsAreADevelopmentServerWithOneApp() {
    BeaconConfig c = ConfigLoader.load(Optional.empty(), Map.of());
    assertThat(c.mode()).isEqualTo(Mode.DEVELOPMENT);
    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.port()).isEqualTo(6001);
    assertThat(c.dataDir()).isEqualTo(Path.of("./beacon-data"));
    App app = c.apps().get(0);
    assertThat(app.id()).isEqualTo("app-id");
    assertThat(app.key()).isEqualTo("app-key");
    assertThat(app.secret()).isEqualTo("app-secret");
    assertThat(app.clientEvents()).isTrue();
    assertThat(app.maxPayloadBytes()).isEqualTo(10 * 1024);
    assertThat(app.maxPresenceMembers()).isEqualTo(100);
    assertThat(app.maxUserInfoBytes()).isEqualTo(1024);
    assertThat(app.clientEventsPerSecond()).isEqualTo(10);
  }

  @Test
  void environmentOverridesTheFileKeyByKey() throws Exception {
    Path file = dir.resolve("beacon.yaml");
    Files.writeString(file, "port: 7000\nwebsocket:\n  activity_timeout: 60\napps:\n"
        + "  - id: one\n    key: one-key\n    secret: s1\n  - id: two\n    key: two-key\n    secret: s2\n"
        + "    client_events: false\n");
    BeaconConfig c = ConfigLoader.load(Optional.of(file), Map.of(
        "BEACON_PORT", "7100", "BEACON_DATA_DIR", "/tmp/x", "BEACON_APPS_1_SECRET", "override",
        "BEACON_WEBSOCKET_ACTIVITY_TIMEOUT", "30", "PATH", "/bin"));
    assertThat(c.port()).isEqualTo(7100);
    assertThat(c.dataDir()).isEqualTo(Path.of("/tmp/x"));
    assertThat(c.pusher().activityTimeoutSeconds()).isEqualTo(30);
    assertThat(c.apps()).extracting(App::id).containsExactly("one", "two");
    assertThat(c.apps().get(1).secret()).isEqualTo("override");
    assertThat(c.apps().get(1).clientEvents()).isFalse();
  }

  @Test
  void badValuesNameTheKeyAndTheValue() {
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("BEACON_PORT", "abc")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("'port'").hasMessageContaining("'abc'");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("BEACON_PORT", "70000")))
        .hasMessageContaining("between 0 and 65535");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(),
        Map.of("BEACON_APPS_0_CLIENT_EVENTS", "maybe")))
        .hasMessageContaining("apps.0.client_events").hasMessageContaining("'maybe'");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("BEACON_MODE", "staging")))
        .hasMessageContaining("'mode'").hasMessageContaining("staging");
  }

  @Test
  void clusterModeIsOffByDefaultAndTakesItsKeysFromTheEnvironment() {
    BeaconConfig single = ConfigLoader.load(Optional.empty(), Map.of());
    assertThat(single.cluster().enabled()).isFalse();
    BeaconConfig c = ConfigLoader.load(Optional.empty(), Map.of(
        "BEACON_DB_URL", "jdbc:postgresql://127.0.0.1:5432/test",
        "BEACON_CLUSTER_REDIS_URL", "redis://127.0.0.1:6379/0",
        "BEACON_CLUSTER_NODE_ID", "node-a", "BEACON_CLUSTER_KEY_PREFIX", "prod:"));
    assertThat(c.cluster().redisUrl()).contains("redis://127.0.0.1:6379/0");
    assertThat(c.cluster().nodeId()).isEqualTo("node-a");
    assertThat(c.cluster().keyPrefix()).isEqualTo("prod:");
    BeaconConfig named = ConfigLoader.load(Optional.empty(), Map.of(
        "BEACON_DB_URL", "jdbc:postgresql://127.0.0.1:5432/test",
        "BEACON_CLUSTER_REDIS_URL", "redis://127.0.0.1:6379/0"));
    assertThat(named.cluster().nodeId()).matches("[A-Za-z0-9_.\\-]+-[a-z0-9]+");
    assertThat(named.cluster().keyPrefix()).isEqualTo("beacon:");
  }

  @Test
  void clusterModeRefusesSqliteNamingBothKeys() {
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(),
        Map.of("BEACON_CLUSTER_REDIS_URL", "redis://127.0.0.1:6379/0")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.redis_url")
        .hasMessageContaining("db.url").hasMessageContaining("PostgreSQL");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(
        "BEACON_DB_URL", "jdbc:postgresql://127.0.0.1:5432/test",
        "BEACON_CLUSTER_REDIS_URL", "http://127.0.0.1:6379")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.redis_url")
        .hasMessageContaining("http://127.0.0.1:6379");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(
        "BEACON_DB_URL", "jdbc:postgresql://127.0.0.1:5432/test",
        "BEACON_CLUSTER_REDIS_URL", "redis://127.0.0.1:6379", "BEACON_CLUSTER_NODE_ID", "a b")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.node_id")
        .hasMessageContaining("'a b'");
  }

  @Test
  void unknownKeysInTheFileAreRefused() throws Exception {
    Path file = dir.resolve("beacon.yaml");
    Files.writeString(file, "prot: 6001\n");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("prot");
  }

  @Test
  void brokenYamlAndMissingFilesAreReported() throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "port: [1,\n");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file), Map.of()))
        .hasMessageContaining("not valid YAML");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.of(dir.resolve("none.yaml")), Map.of()))
        .hasMessageContaining("does not exist");
  }

  @Test
  void productionRefusesTheDevelopmentSecret() {
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("BEACON_MODE", "production")))
        .hasMessageContaining("apps.0.secret").hasMessageContaining("BEACON_APPS_0_SECRET");
    BeaconConfig c = ConfigLoader.load(Optional.empty(),
        Map.of("BEACON_MODE", "production", "BEACON_APPS_0_SECRET", "s3cr3t-0123456789"));
    assertThat(c.development()).isFalse();
    assertThat(c.host()).isEqualTo("0.0.0.0");
  }

  @Test
  void productionRefusesSecretsShorterThan16CharactersNamingTheAppAndTheKey() {
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("BEACON_MODE", "production",
        "BEACON_APPS_0_ID", "shop", "BEACON_APPS_0_SECRET", "abcde")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("apps.0.secret").hasMessageContaining("'shop'")
        .hasMessageContaining("is 5 characters").hasMessageContaining("BEACON_APPS_0_SECRET");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("BEACON_MODE", "production",
        "BEACON_APPS_0_SECRET", "0123456789abcdef", "BEACON_APPS_1_ID", "two",
        "BEACON_APPS_1_KEY", "two-key", "BEACON_APPS_1_SECRET", "0123456789abcde")))
        .hasMessageContaining("apps.1.secret").hasMessageContaining("'two'");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("BEACON_MODE", "production",
        "BEACON_APPS_0_SECRET", "0123456789abcdef", "BEACON_APPS_0_ADMIN_KEY", "short")))
        .hasMessageContaining("apps.0.admin_key").hasMessageContaining("BEACON_APPS_0_ADMIN_KEY");
    // 16 is enough; development takes any length
    assertThat(ConfigLoader.load(Optional.empty(), Map.of("BEACON_MODE", "production",
        "BEACON_APPS_0_SECRET", "0123456789abcdef")).apps().get(0).secret()).hasSize(16);
    assertThat(ConfigLoader.load(Optional.empty(), Map.of("BEACON_APPS_0_SECRET", "abc"))
        .apps().get(0).secret()).isEqualTo("abc");
  }

  @Test
  void appsMustBeNumberedWithoutGapsAndBeDistinct() {
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("BEACON_APPS_2_ID", "x")))
        .hasMessageContaining("apps.1");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(
        "BEACON_APPS_1_ID", "app-id", "BEACON_APPS_1_KEY", "k2", "BEACON_APPS_1_SECRET", "s")))
        .hasMessageContaining("two apps have the id 'app-id'");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("BEACON_APPS_1_ID", "x")))
        .hasMessageContaining("apps.1.key");
  }

  @Test
  void encryptionKeysMustBe32Bytes() {
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(),
        Map.of("BEACON_APPS_0_ENCRYPTION_MASTER_KEY_BASE64", "c2hvcnQ=")))
        .hasMessageContaining("32 bytes");
  }

  @Test
  void functionAndAuthSettingsHaveDefaultsAndOverrides() {
    BeaconConfig dev = ConfigLoader.load(Optional.empty(), Map.of());
    App app = dev.apps().get(0);
    assertThat(app.auth().adminKey()).isEqualTo("app-secret");
    assertThat(app.auth().jwtSecret()).contains(ConfigLoader.DEV_JWT_SECRET);
    assertThat(app.auth().audience()).isEqualTo("app-id");
    assertThat(app.functions().presenceTtlSeconds()).isEqualTo(60);
    assertThat(app.functions().openRooms()).isTrue();
    assertThat(dev.db().url()).isEmpty();
    BeaconConfig custom = ConfigLoader.load(Optional.empty(), Map.of(
        "BEACON_DB_URL", "jdbc:postgresql://127.0.0.1:5432/test", "BEACON_APPS_0_OPEN_ROOMS", "false",
        "BEACON_APPS_0_TYPING_TTL_SECONDS", "3", "BEACON_APPS_0_JWKS_URL", "https://idp/jwks.json"));
    assertThat(custom.db().url()).contains("jdbc:postgresql://127.0.0.1:5432/test");
    assertThat(custom.db().poolSize()).isEqualTo(10);
    assertThat(custom.apps().get(0).functions().openRooms()).isFalse();
    assertThat(custom.apps().get(0).functions().typingTtlSeconds()).isEqualTo(3);
    assertThat(custom.apps().get(0).auth().jwksUrl()).contains("https://idp/jwks.json");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("BEACON_DB_URL", "mysql://x")))
        .hasMessageContaining("db.url");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("BEACON_APPS_0_JWT_SECRET", "short")))
        .hasMessageContaining("32 bytes");
  }

  @Test
  void messageLimitsAreAppKeys() {
    App app = ConfigLoader.load(Optional.empty(), Map.of()).apps().get(0);
    assertThat(app.messages()).isEqualTo(dev.beacon.core.app.MessageSettings.DEFAULT);
    App custom = ConfigLoader.load(Optional.empty(), Map.of("BEACON_APPS_0_MAX_MESSAGE_BYTES", "100",
        "BEACON_APPS_0_MESSAGES_PER_SECOND", "3", "BEACON_APPS_0_STREAM_IDLE_TIMEOUT_SECONDS", "9",
        "BEACON_APPS_0_MAX_STREAM_BYTES", "2048")).apps().get(0);
    assertThat(custom.messages()).isEqualTo(new dev.beacon.core.app.MessageSettings(100, 3, 9, 2048));
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(),
        Map.of("BEACON_APPS_0_MESSAGES_PER_SECOND", "0"))).hasMessageContaining("messages_per_second");
  }

  @Test
  void productionRefusesTheDevelopmentAdminKeyAndJwtSecret() {
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("BEACON_MODE", "production",
        "BEACON_APPS_0_SECRET", "s3cr3t-0123456789", "BEACON_APPS_0_ADMIN_KEY", "app-secret")))
        .hasMessageContaining("apps.0.admin_key");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("BEACON_MODE", "production",
        "BEACON_APPS_0_SECRET", "s3cr3t-0123456789", "BEACON_APPS_0_JWT_SECRET", ConfigLoader.DEV_JWT_SECRET)))
        .hasMessageContaining("apps.0.jwt_secret");
    BeaconConfig prod = ConfigLoader.load(Optional.empty(), Map.of("BEACON_MODE", "production",
        "BEACON_APPS_0_SECRET", "s3cr3t-0123456789"));
    assertThat(prod.apps().get(0).auth().jwtSecret()).isEmpty();
    assertThat(prod.apps().get(0).auth().adminKey()).isEqualTo("s3cr3t-0123456789");
  }

  @Test
  void theDashboardIsOpenWithItsConsoleInDevelopmentAndOffInProduction() {
    BeaconConfig dev = ConfigLoader.load(Optional.empty(), Map.of());
    assertThat(dev.dashboard().enabled()).isTrue();
    assertThat(dev.dashboard().console()).isTrue();
    assertThat(dev.dashboard().passwordProtected()).isFalse();
    assertThat(dev.dashboard().consoleEntries()).isEqualTo(500);
    BeaconConfig prod = ConfigLoader.load(Optional.empty(), Map.of("BEACON_MODE", "production",
        "BEACON_APPS_0_SECRET", "s3cr3t-0123456789"));
    assertThat(prod.dashboard().enabled()).isFalse();
    assertThat(prod.dashboard().console()).isFalse();
  }

  @Test
  void productionServesTheDashboardOnlyWithCredentials() {
    Map<String, String> prod = Map.of("BEACON_MODE", "production", "BEACON_APPS_0_SECRET", "s3cr3t-0123456789",
        "BEACON_DASHBOARD_ENABLED", "true");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), prod))
        .isInstanceOf(ConfigException.class).hasMessageContaining("'dashboard.enabled'")
        .hasMessageContaining("BEACON_DASHBOARD_PASSWORD");
    Map<String, String> weak = new java.util.HashMap<>(prod);
    weak.put("BEACON_DASHBOARD_USERNAME", "ops");
    weak.put("BEACON_DASHBOARD_PASSWORD", "short");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), weak))
        .hasMessageContaining("'dashboard.password'").hasMessageContaining("got 5")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("short"));
    Map<String, String> good = new java.util.HashMap<>(weak);
    good.put("BEACON_DASHBOARD_PASSWORD", "a long enough passphrase");
    good.put("BEACON_DASHBOARD_CONSOLE", "true");
    good.put("BEACON_DASHBOARD_CONSOLE_ENTRIES", "50");
    BeaconConfig c = ConfigLoader.load(Optional.empty(), good);
    assertThat(c.dashboard().passwordProtected()).isTrue();
    assertThat(c.dashboard().console()).isTrue();
    assertThat(c.dashboard().consoleEntries()).isEqualTo(50);
  }

  @Test
  void dashboardSettingsMustAgree() {
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("BEACON_DASHBOARD_USERNAME", "ops")))
        .hasMessageContaining("'dashboard.password' is required");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("BEACON_DASHBOARD_PASSWORD", "pw")))
        .hasMessageContaining("'dashboard.username' is required");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(
        "BEACON_DASHBOARD_ENABLED", "false", "BEACON_DASHBOARD_CONSOLE", "true")))
        .hasMessageContaining("'dashboard.console'");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(
        "BEACON_DASHBOARD_CONSOLE_ENTRIES", "5")))
        .hasMessageContaining("'dashboard.console_entries'").hasMessageContaining("'5'");
    assertThat(ConfigLoader.load(Optional.empty(), Map.of("BEACON_DASHBOARD_ENABLED", "false"))
        .dashboard().console()).isFalse();
  }

  @Test
  void pushSettingsAreReadPerAppAndBadOnesNameTheKey() {
    BeaconConfig c = ConfigLoader.load(Optional.empty(), Map.of(
        "BEACON_APPS_0_PUSH_WHEN", "always",
        "BEACON_APPS_0_PUSH_FCM_SERVICE_ACCOUNT_FILE", "/etc/beacon/sa.json",
        "BEACON_APPS_0_PUSH_FCM_ENDPOINT", "http://127.0.0.1:9000"));
    var push = c.apps().get(0).push();
    assertThat(push.when()).isEqualTo(dev.beacon.core.app.PushSettings.When.ALWAYS);
    assertThat(push.fcm().get().endpoint()).contains("http://127.0.0.1:9000");
    assertThat(push.web()).isEmpty();
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("BEACON_APPS_0_PUSH_WHEN", "sometimes")))
        .hasMessageContaining("apps.0.push.when").hasMessageContaining("sometimes");
    // plain http to a push service: only on loopback, only in development mode
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(
        "BEACON_APPS_0_PUSH_FCM_SERVICE_ACCOUNT_FILE", "sa.json",
        "BEACON_APPS_0_PUSH_FCM_TOKEN_URL", "http://oauth.example.com/token")))
        .hasMessageContaining("apps.0.push.fcm.token_url");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(
        "BEACON_APPS_0_PUSH_APNS_TEAM_ID", "T", "BEACON_APPS_0_PUSH_APNS_KEY_ID", "K",
        "BEACON_APPS_0_PUSH_APNS_KEY_FILE", "k.p8")))
        .hasMessageContaining("push.apns.topic is required");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(
        "BEACON_APPS_0_PUSH_WEB_VAPID_PUBLIC_KEY", "abc", "BEACON_APPS_0_PUSH_WEB_VAPID_PRIVATE_KEY", "def",
        "BEACON_APPS_0_PUSH_WEB_SUBJECT", "ops@example.com")))
        .hasMessageContaining("push.web.subject");
  }

  @Test
  void aPushClaimOutlastsTheSendTimeout() {
    BeaconConfig defaults = ConfigLoader.load(Optional.empty(), Map.of());
    assertThat(defaults.pushSendTimeoutSeconds()).isEqualTo(30);
    assertThat(defaults.pushClaimSeconds()).isEqualTo(60);
    assertThat(defaults.pushMaxQueued()).isEqualTo(1_000_000);
    BeaconConfig c = ConfigLoader.load(Optional.empty(), Map.of(
        "BEACON_PUSH_SEND_TIMEOUT_SECONDS", "5", "BEACON_PUSH_CLAIM_SECONDS", "45",
        "BEACON_PUSH_MAX_QUEUED", "1000"));
    assertThat(c.pushSendTimeoutSeconds()).isEqualTo(5);
    assertThat(c.pushClaimSeconds()).isEqualTo(45);
    assertThat(c.pushMaxQueued()).isEqualTo(1000);
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("BEACON_PUSH_CLAIM_SECONDS", "44")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("push.claim_seconds");
    // a send timeout under 15 s: the claim must be twice as long
    BeaconConfig quick = ConfigLoader.load(Optional.empty(), Map.of(
        "BEACON_PUSH_SEND_TIMEOUT_SECONDS", "4", "BEACON_PUSH_CLAIM_SECONDS", "8"));
    assertThat(quick.pushClaimSeconds()).isEqualTo(8);
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(
        "BEACON_PUSH_SEND_TIMEOUT_SECONDS", "4", "BEACON_PUSH_CLAIM_SECONDS", "7")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("push.claim_seconds (7) must be at least 4 s longer than "
            + "push.send_timeout_seconds (4)");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(
        "BEACON_PUSH_SEND_TIMEOUT_SECONDS", "50", "BEACON_PUSH_CLAIM_SECONDS", "60")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("push.claim_seconds (60) must be at least 15 s longer than "
            + "push.send_timeout_seconds (50)");
  }
}
