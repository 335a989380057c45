package dev.beacon.core.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.beacon.core.app.App;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Whether a call may block: per app, or per call when the definition says how. */
class FunctionDefinitionBlockingTest {

  final App app = App.builder("a", "k", "secret").build();

  @Test
  void perAppUnlessTheDefinitionDecidesPerCall() {
    FunctionDefinition plain = FunctionDefinition.mutation("t:f", Access.PUBLIC,
        Map.of("x", Validator.optional(Validator.string(10))), true, call -> null);
    var args = JsonNodeFactory.instance.objectNode().put("x", "fast");
    assertThat(plain.blocking(app)).isTrue();
    assertThat(plain.blocking(app, args)).isTrue();

    FunctionDefinition perCall = plain.blockingWhen((a, callArgs) ->
        !"fast".equals(callArgs.path("x").asText()));
    assertThat(perCall.blocking(app)).as("without arguments: as declared per app").isTrue();
    assertThat(perCall.blocking(app, args)).isFalse();
    assertThat(perCall.blocking(app, JsonNodeFactory.instance.objectNode())).isTrue();
    // an argument shape's definition decides as its own did
    FunctionDefinition shape = perCall.when(ArgumentShape.has("x"));
    assertThat(shape.blocking(app, args)).isFalse();
    assertThat(shape.isShape()).isTrue();
  }
}
