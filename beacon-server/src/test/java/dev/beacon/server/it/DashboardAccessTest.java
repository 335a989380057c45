package dev.beacon.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.server.BeaconServer;
import dev.beacon.server.TestServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Who may open the dashboard and the demo, in each mode; the demo backend's own checks. */
class DashboardAccessTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static HttpResponse<String> get(BeaconServer server, String path, Optional<String> auth)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.port() + path));
    auth.ifPresent(a -> request.header("Authorization", a));
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(BeaconServer server, String path, String body,
      Optional<String> auth) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.port() + path))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    auth.ifPresent(a -> request.header("Authorization", a));
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
        .getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void developmentServesTheDemoAndAnOpenDashboard() throws Exception {
    try (BeaconServer server = TestServers.start()) {
      HttpResponse<String> page = get(server, "/dashboard/", Optional.empty());
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("Beacon <span>dashboard</span>");
      assertThat(get(server, "/dashboard", Optional.empty()).statusCode()).isEqualTo(302);
      assertThat(get(server, "/dashboard/api/stats", Optional.empty()).body()).contains("\"app\":\"app-id\"");
      assertThat(get(server, "/dashboard/api/console", Optional.empty()).body()).contains("\"enabled\":true");
      assertThat(get(server, "/demo/", Optional.empty()).body()).contains("Join a room");
      HttpResponse<Void> head = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + server.port() + "/demo/main.js")).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.discarding());
      assertThat(head.statusCode()).isEqualTo(200);
      assertThat(head.headers().firstValue("cache-control")).hasValue("no-cache");
      assertThat(get(server, "/demo/config.json", Optional.empty()).body())
          .isEqualTo("{\"appId\":\"app-id\",\"appKey\":\"app-key\",\"typingTtlSeconds\":5}");
    }
  }

  @Test
  void productionAsksForTheConfiguredCredentialsAndServesNoDemo() throws Exception {
    try (BeaconServer server = TestServers.start(Map.of("BEACON_MODE", "production",
        "BEACON_HOST", "127.0.0.1", "BEACON_APPS_0_SECRET", "prod-secret-0123456789",
        "BEACON_DASHBOARD_ENABLED", "true", "BEACON_DASHBOARD_USERNAME", "ops",
        "BEACON_DASHBOARD_PASSWORD", "a long passphrase"))) {
      HttpResponse<String> refused = get(server, "/dashboard/", Optional.empty());
      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
          v -> assertThat(v).startsWith("Basic realm="));
      assertThat(get(server, "/dashboard/api/stats", Optional.of(basic("ops", "wrong"))).statusCode())
          .isEqualTo(401);
      assertThat(get(server, "/dashboard/api/stats", Optional.of(basic("ops", "a long passphrase")))
          .statusCode()).isEqualTo(200);
      assertThat(get(server, "/dashboard/", Optional.of(basic("ops", "a long passphrase"))).body())
          .contains("dashboard");
      // the console is off in production unless asked for
      assertThat(get(server, "/dashboard/api/console", Optional.of(basic("ops", "a long passphrase")))
          .body()).contains("\"enabled\":false");
      assertThat(get(server, "/demo/", Optional.empty()).statusCode()).isEqualTo(404);
      assertThat(post(server, "/dev/demo/join", "{\"roomId\":\"lobby\"}", Optional.empty()).statusCode())
          .isEqualTo(404);
    }
  }

  @Test
  void productionWithoutTheDashboardServesNone() throws Exception {
    try (BeaconServer server = TestServers.start(Map.of("BEACON_MODE", "production",
        "BEACON_HOST", "127.0.0.1", "BEACON_APPS_0_SECRET", "prod-secret-0123456789"))) {
      assertThat(get(server, "/dashboard/", Optional.empty()).statusCode()).isEqualTo(404);
      assertThat(get(server, "/dashboard/api/stats", Optional.empty()).statusCode()).isEqualTo(404);
    }
  }

  @Test
  void theDemoBackendActsOnlyForTheTokensUser() throws Exception {
    try (BeaconServer server = TestServers.start()) {
      assertThat(post(server, "/dev/demo/nudge", "{\"userId\":\"bob\"}", Optional.empty()).statusCode())
          .isEqualTo(401);
      assertThat(post(server, "/dev/demo/nudge", "{\"userId\":\"bob\"}", Optional.of("Bearer nope"))
          .statusCode()).isEqualTo(401);
      String token = get(server, "/dev/token?user=alice", Optional.empty()).body()
          .replaceAll(".*\"token\":\"([^\"]+)\".*", "$1");
      assertThat(post(server, "/dev/demo/nudge", "{}", Optional.of("Bearer " + token)).statusCode())
          .isEqualTo(400);
      HttpResponse<String> nudged = post(server, "/dev/demo/nudge", "{\"userId\":\"bob\"}",
          Optional.of("Bearer " + token));
      assertThat(nudged.statusCode()).isEqualTo(200);
      assertThat(nudged.body()).contains("\"id\"");
      HttpResponse<String> joined = post(server, "/dev/demo/join", "{\"roomId\":\"lobby\"}",
          Optional.of("Bearer " + token));
      assertThat(joined.body()).isEqualTo("{\"friends\":[]}");
    }
  }
}
