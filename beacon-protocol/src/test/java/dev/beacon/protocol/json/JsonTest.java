package dev.beacon.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beacon.protocol.pusher.PusherCodec;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void tooDeepJsonIsRefusedInPlainWordsWithoutJacksonsInternals() {
    String deep = "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1);
    assertThatThrownBy(() -> Json.parse(deep)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("JSON nested deeper than 64 levels");
    String deepObject = "{\"event\":\"x\",\"data\":" + "{\"a\":".repeat(70) + "1" + "}".repeat(71);
    assertThatThrownBy(() -> PusherCodec.decode(deepObject))
        .hasMessageContaining("nested deeper than 64 levels")
        .hasMessageNotContaining("StreamReadConstraints").hasMessageNotContaining("getMax");
    // as deep as allowed is fine
    String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
    assertThat(Json.parse(ok).isArray()).isTrue();
  }

  @Test
  void malformedJsonSaysWhatIsWrongWithoutTheSourceDump() {
    assertThatThrownBy(() -> Json.parse("{\"a\":}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("Source: (").hasMessageNotContaining("REDACTED");
  }
}
