package dev.beacon.protocol.pusher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beacon.protocol.json.Json;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PayloadParsingTest {

  @Test
  void presenceDataAcceptsNumericUserIdAndKeepsInfo() {
    PresenceData d = PresenceData.parse("{\"user_id\":10,\"user_info\":{\"name\":\"Mr. Channels\"}}");
    assertThat(d.userId()).isEqualTo("10");
    assertThat(d.userInfoJson()).isEqualTo("{\"name\":\"Mr. Channels\"}");
    assertThat(PresenceData.parse("{\"user_id\":\"a\"}").userInfoJson()).isEqualTo("null");
    assertThatThrownBy(() -> PresenceData.parse("{\"user_info\":{}}")).hasMessageContaining("user_id");
    assertThatThrownBy(() -> PresenceData.parse("nope")).hasMessageContaining("JSON");
  }

  @Test
  void userDataNeedsIdAndBoundsWatchlist() {
    UserData u = UserData.parse("{\"id\":\"1\",\"watchlist\":[\"2\",\"3\"]}");
    assertThat(u.id()).isEqualTo("1");
    assertThat(u.watchlist()).containsExactly("2", "3");
    assertThatThrownBy(() -> UserData.parse("{\"id\":1}")).hasMessageContaining("id");
    String many = "[" + "\"x\",".repeat(100) + "\"y\"]";
    assertThatThrownBy(() -> UserData.parse("{\"id\":\"1\",\"watchlist\":" + many + "}"))
        .hasMessageContaining("101");
  }

  @Test
  void triggerRequestReadsChannelsAndInfo() {
    TriggerRequest t = TriggerRequest.fromJson(Json.parse(
        "{\"name\":\"e\",\"data\":\"{}\",\"channels\":[\"a\",\"b\"],\"socket_id\":\"1.2\","
            + "\"info\":\"user_count,subscription_count\"}"), false);
    assertThat(t.channels()).isEqualTo(List.of("a", "b"));
    assertThat(t.socketId()).isEqualTo(Optional.of("1.2"));
    assertThat(t.info()).isEqualTo(Set.of("user_count", "subscription_count"));
    TriggerRequest single = TriggerRequest.fromJson(
        Json.parse("{\"name\":\"e\",\"data\":{\"x\":1},\"channel\":\"a\"}"), true);
    assertThat(single.data()).isEqualTo("{\"x\":1}");
    assertThatThrownBy(() -> TriggerRequest.fromJson(Json.parse("{\"name\":\"e\",\"data\":\"x\"}"), false))
        .hasMessageContaining("channels");
    assertThatThrownBy(() -> TriggerRequest.fromJson(Json.parse("{\"data\":\"x\",\"channel\":\"a\"}"), true))
        .hasMessageContaining("name");
  }
}
