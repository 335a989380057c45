package dev.beacon.server.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.time.ManualClock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EventConsoleTest {

  private final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private final EventConsole console = new EventConsole(
      Apps.of(List.of(App.builder("a", "a-key", "s").build(), App.builder("b", "b-key", "s").build())),
      10, clock);

  private static List<String> types(ObjectNode page) {
    List<String> out = new ArrayList<>();
    page.get("entries").forEach(e -> out.add(e.get("type").asText()));
    return out;
  }

  @Test
  void keepsTheNewestEntriesPerAppUpToItsCapacity() {
    for (int i = 0; i < 25; i++) {
      console.connected("a", "1." + i, 7);
    }
    console.disconnected("b", "9.9");
    ObjectNode a = console.after("a", 0);
    assertThat(a.get("entries")).hasSize(10);
    assertThat(a.get("entries").get(0).get("socketId").asText()).isEqualTo("1.15");
    assertThat(a.get("last").asLong()).isEqualTo(25);
    assertThat(types(console.after("b", 0))).containsExactly("disconnection");
  }

  @Test
  void pagesFollowTheSequenceNumber() {
    console.subscribed("a", "1.1", "presence-room-lobby", Optional.of("alice"));
    long last = console.after("a", 0).get("last").asLong();
    console.clientEvent("a", "1.1", "presence-room-lobby", "client-message", "{\"text\":\"hi\"}");
    console.functionCall("a", "typing:startTyping", "user 'alice'", "success", 1_234_567);
    ObjectNode next = console.after("a", last);
    assertThat(types(next)).containsExactly("client_event", "function");
    JsonNode call = next.get("entries").get(1);
    assertThat(call.get("function").asText()).isEqualTo("typing:startTyping");
    assertThat(call.get("millis").asDouble()).isEqualTo(1.23);
    assertThat(call.get("time").asLong()).isEqualTo(clock.millis());
    assertThat(console.after("a", next.get("last").asLong()).get("entries")).isEmpty();
  }

  @Test
  void payloadsAreTruncatedSayingHowLongTheyWere() {
    String big = "{\"text\":\"" + "x".repeat(5000) + "\"}";
    console.apiEvent("a", List.of("news"), "update", big);
    String data = console.after("a", 0).get("entries").get(0).get("data").asText();
    assertThat(data).hasSizeLessThan(EventConsole.MAX_DATA_CHARS + 30).endsWith("(5011 bytes)");
    assertThat(EventConsole.truncate("ab\uD83D\uDE00", 3)).startsWith("ab").doesNotContain("\uD83D");
  }

  @Test
  void entriesForUnknownAppsAreIgnored() {
    console.error("nope", Optional.empty(), 404, "Unknown app");
    assertThat(console.after("nope", 0).get("entries")).isEmpty();
  }
}
