package dev.beacon.protocol.convex.sync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.beacon.protocol.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A transition of live-query updates whose values are raw JSON (a shared result) is written as
 * bytes without a generator: the same bytes the generator writes.
 */
class TransitionBytesTest {

  static JsonNode raw(String json) {
    return new POJONode(new RawValue(new SerializedString(json)));
  }

  static void sameAsTheGenerator(SyncServerMessage.Transition t) {
    byte[] fast = SyncCodec.encodeBytes(t);
    assertThat(new String(fast, StandardCharsets.UTF_8)).isEqualTo(SyncCodec.encode(t));
    // and what the client parses: the value as it was
    JsonNode parsed = Json.parse(new String(fast, StandardCharsets.UTF_8));
    assertThat(parsed.path("type").asText()).isEqualTo("Transition");
  }

  @Test
  void oneUpdate() {
    sameAsTheGenerator(new SyncServerMessage.Transition(new StateVersion(1, 1796295151901000000L, 0),
        new StateVersion(1, 1796295151950000000L, 0), List.of(new SyncServerMessage.QueryUpdated(
            0, raw("[{\"_id\":\"m1\",\"content\":\"stream:1796;\\\"q\\\" héllo 😀\",\"seq\":3}]")))));
  }

  @Test
  void severalUpdatesNoneAndExtremeVersions() {
    sameAsTheGenerator(new SyncServerMessage.Transition(StateVersion.INITIAL,
        new StateVersion(Integer.MAX_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE), List.of(
            new SyncServerMessage.QueryUpdated(0, raw("null")),
            new SyncServerMessage.QueryUpdated(7, raw("{\"$integer\":\"AQAAAAAAAAA=\"}")),
            new SyncServerMessage.QueryUpdated(12, raw("\"" + "y".repeat(20_000) + "\"")))));
    sameAsTheGenerator(new SyncServerMessage.Transition(new StateVersion(2, 5, 1),
        new StateVersion(2, 6, 1), List.of()));
  }

  @Test
  void otherModificationsAndTreeValuesStillUseTheGenerator() {
    SyncServerMessage.Transition mixed = new SyncServerMessage.Transition(StateVersion.INITIAL,
        new StateVersion(1, 2, 0), List.of(
            new SyncServerMessage.QueryUpdated(0, raw("1")),
            new SyncServerMessage.QueryFailed(1, "nope", Optional.empty()),
            new SyncServerMessage.QueryUpdated(2, JsonNodeFactory.instance.objectNode().put("a", 1))));
    assertThat(new String(SyncCodec.encodeBytes(mixed), StandardCharsets.UTF_8))
        .isEqualTo(SyncCodec.encode(mixed));
  }
}
