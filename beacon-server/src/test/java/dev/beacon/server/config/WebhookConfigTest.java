package dev.beacon.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beacon.core.app.WebhookSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An app's webhooks, from YAML as the issue writes them and from environment variables. */
class WebhookConfigTest {

  @TempDir
  Path dir;

  @Test
  void yamlEndpointsWithTypesFiltersAndHeaders() throws Exception {
    Path file = dir.resolve("beacon.yaml");
    Files.writeString(file, """
        apps:
          - id: app-id
            key: app-key
            secret: s
            webhooks:
              - url: https://backend.example/pusher/webhooks
                event_types: [channel_occupied, channel_vacated, member_added, member_removed,
                              client_event, subscription_count, cache_miss, user_online, user_offline]
                filter: { channel_name_starts_with: "presence-", channel_name_ends_with: "" }
                headers: { X-Env: staging }
              - url: http://10.0.0.2:8080/hooks
                event_types: [client_event]
            webhook_batching: true
        """);
    WebhookSettings w = ConfigLoader.load(Optional.of(file), Map.of()).apps().get(0).webhooks();
    assertThat(w.batching()).isTrue();
    assertThat(w.graceMillis()).isEqualTo(3000);
    assertThat(w.timeoutMillis()).isEqualTo(4000);
    assertThat(w.retryForMillis()).isEqualTo(300_000);
    assertThat(w.endpoints()).hasSize(2);
    WebhookSettings.Endpoint first = w.endpoints().get(0);
    assertThat(first.eventTypes()).isEqualTo(WebhookSettings.EVENT_TYPES);
    assertThat(first.channelNameStartsWith()).contains("presence-");
    assertThat(first.channelNameEndsWith()).isEmpty();
    assertThat(first.headers()).containsExactly(Map.entry("X-Env", "staging"));
    assertThat(first.accepts("member_added", "presence-room")).isTrue();
    assertThat(first.accepts("member_added", "private-room")).isFalse();
    assertThat(first.accepts("user_online", null)).isTrue();
    assertThat(w.endpoints().get(1).eventTypes()).isEqualTo(Set.of("client_event"));
    assertThat(w.endpoints().get(1).accepts("channel_occupied", "x")).isFalse();
  }

  @Test
  void environmentVariablesDefineAndOverrideEndpoints() throws Exception {
    Path file = dir.resolve("beacon.yaml");
    Files.writeString(file, """
        apps:
          - id: app-id
            key: app-key
            secret: s
            webhooks:
              - url: https://a.example/hooks
                event_types: [channel_occupied]
        """);
    WebhookSettings w = ConfigLoader.load(Optional.of(file), Map.of(
        "BEACON_APPS_0_WEBHOOKS_0_EVENT_TYPES", "member_added, member_removed",
        "BEACON_APPS_0_WEBHOOKS_1_URL", "https://b.example/hooks",
        "BEACON_APPS_0_WEBHOOKS_1_EVENT_TYPES", "user_online,user_offline",
        "BEACON_APPS_0_WEBHOOKS_1_FILTER_CHANNEL_NAME_ENDS_WITH", "-vip",
        "BEACON_APPS_0_WEBHOOKS_1_HEADERS", "{\"Authorization\":\"Bearer x\"}",
        "BEACON_APPS_0_WEBHOOK_GRACE_MS", "1500")).apps().get(0).webhooks();
    assertThat(w.graceMillis()).isEqualTo(1500);
    assertThat(w.endpoints().get(0).url()).isEqualTo("https://a.example/hooks");
    assertThat(w.endpoints().get(0).eventTypes()).containsExactlyInAnyOrder("member_added", "member_removed");
    assertThat(w.endpoints().get(1).channelNameEndsWith()).contains("-vip");
    assertThat(w.endpoints().get(1).headers()).containsEntry("Authorization", "Bearer x");
  }

  @Test
  void badEndpointsNameTheKey() {
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(
        "BEACON_APPS_0_WEBHOOKS_0_URL", "https://a.example/h",
        "BEACON_APPS_0_WEBHOOKS_0_EVENT_TYPES", "channel_occupied,member_joined")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("apps.0.webhooks.0")
        .hasMessageContaining("unknown event type 'member_joined'");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(
        "BEACON_APPS_0_WEBHOOKS_0_URL", "ftp://a.example/h",
        "BEACON_APPS_0_WEBHOOKS_0_EVENT_TYPES", "channel_occupied")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("http:// or https://");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(
        "BEACON_APPS_0_WEBHOOKS_0_URL", "https://a.example/h")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("needs event_types");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(
        "BEACON_APPS_0_WEBHOOKS_1_URL", "https://a.example/h",
        "BEACON_APPS_0_WEBHOOKS_1_EVENT_TYPES", "cache_miss")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("apps.0.webhooks.0 is missing");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(
        "BEACON_APPS_0_WEBHOOKS_0_URL", "https://a.example/h",
        "BEACON_APPS_0_WEBHOOKS_0_EVENT_TYPES", "cache_miss",
        "BEACON_APPS_0_WEBHOOKS_0_HEADERS", "[1]")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("must be a JSON object");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(
        "BEACON_APPS_0_WEBHOOKS_0_URL", "https://a.example/h",
        "BEACON_APPS_0_WEBHOOKS_0_EVENT_TYPES", "cache_miss",
        "BEACON_APPS_0_WEBHOOKS_0_HEADERS", "{\"Host\":\"x\"}")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cannot be configured");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(
        "BEACON_APPS_0_WEBHOOK_TIMEOUT_MS", "5")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("webhook_timeout_ms");
  }
}
