package dev.beacon.bench.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Signatures checked against the worked examples of Pusher's documentation. */
class BenchAppTest {

  private final BenchApp app = new BenchApp("3", "278d425bdf160c739803", "7ad3773142a6692b25b8");

  @Test
  void privateChannelAuthMatchesPushersExample() {
    assertThat(app.channelAuth("1234.1234", "private-foobar", Optional.empty()))
        .isEqualTo("278d425bdf160c739803:"
            + "58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4");
  }

  @Test
  void presenceChannelAuthSignsTheChannelData() {
    assertThat(app.channelAuth("1234.1234", "presence-foobar",
        Optional.of("{\"user_id\":10,\"user_info\":{\"name\":\"Mr. Channels\"}}")))
        .isEqualTo("278d425bdf160c739803:"
            + "31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80");
  }

  @Test
  void httpRequestSignatureMatchesPushersExample() {
    byte[] body = "{\"name\":\"foo\",\"channels\":[\"project-3\"],\"data\":\"{\\\"some\\\":\\\"data\\\"}\"}"
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    String query = app.signedQuery("POST", "/apps/3/events", body, 1353088179);
    Map<String, String> params = new LinkedHashMap<>();
    for (String kv : query.split("&")) {
      params.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
    }
    assertThat(params).containsEntry("body_md5", "ec365a775a4cd0599faeb73354201b6f")
        .containsEntry("auth_signature",
            "da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c");
  }
}
