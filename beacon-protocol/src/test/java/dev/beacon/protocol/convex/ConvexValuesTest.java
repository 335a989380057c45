package dev.beacon.protocol.convex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.beacon.protocol.json.Json;
import org.junit.jupiter.api.Test;

class ConvexValuesTest {

  @Test
  void integersAreEightLittleEndianBytes() {
    // convexToJson(1n) in the convex npm package
    assertThat(ConvexValues.encodeInt64(1)).isEqualTo("AQAAAAAAAAA=");
    assertThat(ConvexValues.encodeInt64(-1)).isEqualTo("//////////8=");
    assertThat(ConvexValues.decodeInt64("AQAAAAAAAAA=")).isEqualTo(1);
    JsonNode decoded = ConvexValues.fromJson(Json.parse("{\"n\":{\"$integer\":\"KgAAAAAAAAA=\"}}"));
    assertThat(decoded.get("n").isBigInteger()).as("an int64 is marked as one").isTrue();
    assertThat(decoded.get("n").longValue()).isEqualTo(42);
  }

  @Test
  void anAppsValueRoundTripsWithItsTypes() {
    // convexToJson({big: 1152921504606846977n, bytes: [0,1,255], nan: NaN, inf: Infinity, n: 5})
    String sent = "{\"big\":{\"$integer\":\"AQAAAAAAABA=\"},\"bytes\":{\"$bytes\":\"AAH/\"},"
        + "\"nan\":{\"$float\":\"AAAAAAAA+H8=\"},\"inf\":{\"$float\":\"AAAAAAAA8H8=\"},\"n\":5}";
    JsonNode value = ConvexValues.fromJson(Json.parse(sent));
    assertThat(value.get("big").longValue()).isEqualTo(1152921504606846977L);
    JsonNode back = ConvexValues.toJson(value);
    assertThat(Json.write(back)).isEqualTo(Json.write(Json.parse(sent)));
    // Beacon's own longs (timestamps, counts) stay plain numbers
    assertThat(ConvexValues.toJson(JsonNodeFactory.instance.numberNode(1_700_000_000_000L)).isNumber()).isTrue();
  }

  @Test
  void plainNumbersAreFloat64AndSpecialFloatsAreEncoded() {
    assertThat(ConvexValues.fromJson(Json.parse("5")).isDouble()).isTrue();
    JsonNode nan = ConvexValues.toJson(JsonNodeFactory.instance.numberNode(Double.NaN));
    assertThat(nan.has("$float")).isTrue();
    assertThat(ConvexValues.fromJson(nan).doubleValue()).isNaN();
    assertThat(ConvexValues.toJson(JsonNodeFactory.instance.numberNode(1.5)).doubleValue()).isEqualTo(1.5);
  }

  @Test
  void bytesRoundTrip() {
    JsonNode bytes = ConvexValues.fromJson(Json.parse("{\"$bytes\":\"AQID\"}"));
    assertThat(bytes.isBinary()).isTrue();
    assertThat(ConvexValues.toJson(bytes).toString()).isEqualTo("{\"$bytes\":\"AQID\"}");
  }

  @Test
  void rejectsReservedFieldsAndMalformedIntegers() {
    assertThatThrownBy(() -> ConvexValues.fromJson(Json.parse("{\"$x\":1,\"y\":2}")))
        .hasMessageContaining("reserved");
    assertThatThrownBy(() -> ConvexValues.fromJson(Json.parse("{\"$integer\":\"AQ==\"}")))
        .hasMessageContaining("expected 8");
  }

  @Test
  void requestsAcceptObjectOrOneElementArrayArgs() {
    FunctionRequest r = FunctionRequest.parse(
        "{\"path\":\"typing:startTyping\",\"format\":\"convex_encoded_json\",\"args\":[{\"chatroomId\":\"r1\"}]}");
    assertThat(r.path()).isEqualTo("typing:startTyping");
    assertThat(r.encoded()).isTrue();
    assertThat(r.args().get("chatroomId").asText()).isEqualTo("r1");
    assertThat(FunctionRequest.parse("{\"path\":\"a:b\",\"args\":{\"x\":1}}").encoded()).isFalse();
    assertThatThrownBy(() -> FunctionRequest.parse("{\"path\":\"a:b\",\"args\":[1,2]}"))
        .hasMessageContaining("exactly one");
    assertThatThrownBy(() -> FunctionRequest.parse("{\"args\":{}}")).hasMessageContaining("path");
    assertThatThrownBy(() -> FunctionRequest.parse("{\"path\":\"a:b\",\"format\":\"xml\"}"))
        .hasMessageContaining("xml");
  }
}
