package dev.beacon.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.beacon.server.config.ConfigException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Start-up: the banner, and mistakes named before anything is opened. */
class StartupTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Pattern URL = Pattern.compile("(POST )?(http://[^\\s,)]+)");

  @Test
  void theBannerNamesTheBoundAddressAndOnlyUrlsThatAnswer() throws Exception {
    try (BeaconServer server = TestServers.start(Map.of("BEACON_HOST", "0.0.0.0"))) {
      String banner = Main.banner(server);
      assertThat(banner).startsWith("Beacon is listening on http://0.0.0.0:" + server.port()
          + " (every interface; development mode");
      assertThat(banner).doesNotContain("localhost");
      List<String> checked = new ArrayList<>();
      Matcher m = URL.matcher(banner);
      while (m.find()) {
        String url = m.group(2);
        if (url.equals("http://0.0.0.0:" + server.port())) {
          continue; // the bound address itself
        }
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url));
        if (m.group(1) != null) {
          req.header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}"));
        }
        int status = HTTP.send(req.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        assertThat(status).as(url).isNotEqualTo(404);
        checked.add(url);
      }
      assertThat(checked).anyMatch(u -> u.endsWith("/apps/app-id/events"))
          .anyMatch(u -> u.endsWith("/health")).anyMatch(u -> u.endsWith("/demo/"))
          .anyMatch(u -> u.endsWith("/api/query"));
    }
    try (BeaconServer server = TestServers.start()) {
      assertThat(Main.banner(server)).startsWith("Beacon is listening on http://127.0.0.1:"
          + server.port() + " (development mode");
    }
  }

  @Test
  void aDataDirThatCannotBeUsedIsNamedWithItsKey() throws Exception {
    Path file = Files.createTempFile("beacon-not-a-folder", "");
    assertThatThrownBy(() -> TestServers.start(Map.of("BEACON_DATA_DIR", file.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("data_dir " + file.toAbsolutePath())
        .hasMessageContaining("BEACON_DATA_DIR");
    Path readOnly = Files.createTempDirectory("beacon-read-only");
    Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
    if (Files.isWritable(readOnly)) {
      readOnly = Path.of("/sys"); // root writes anywhere but here
    }
    Path dir = readOnly;
    assertThatThrownBy(() -> TestServers.start(Map.of("BEACON_DATA_DIR", dir.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("data_dir " + dir.toAbsolutePath() + " is not writable")
        .hasMessageContaining("(config key data_dir, BEACON_DATA_DIR)")
        .hasMessageNotContaining("SQLITE");
  }

  @Test
  void aPortInUseIsNamedBeforeTheDatabaseIsOpened() throws Exception {
    Path data = Files.createTempDirectory("beacon-port-taken");
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      int port = taken.getLocalPort();
      assertThatThrownBy(() -> TestServers.start(Map.of("BEACON_HOST", "127.0.0.1",
          "BEACON_PORT", Integer.toString(port), "BEACON_DATA_DIR", data.toString())))
          .hasMessageContaining("cannot listen on 127.0.0.1:" + port)
          .hasMessageContaining("BEACON_PORT");
    }
    try (var files = Files.list(data)) {
      assertThat(files.map(p -> p.getFileName().toString())).doesNotContain("beacon.db");
    }
  }
}
