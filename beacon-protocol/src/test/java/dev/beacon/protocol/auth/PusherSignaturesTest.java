package dev.beacon.protocol.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The worked examples of Pusher's published auth-signature and HTTP API references. */
class PusherSignaturesTest {

  private static final String KEY = "278d425bdf160c739803";
  private static final String SECRET = "7ad3773142a6692b25b8";

  @Test
  void privateChannelSignatureMatchesPublishedExample() {
    assertThat(PusherSignatures.channelAuth(
            KEY, SECRET, "1234.1234", "private-foobar", Optional.empty()))
        .isEqualTo(KEY + ":58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4");
  }

  @Test
  void presenceChannelSignatureMatchesPublishedExample() {
    // the published signature was computed when the example user was still "Mr. Pusher"; the
    // page's text later renamed it to "Mr. Channels" without recomputing the digest
    String data = "{\"user_id\":10,\"user_info\":{\"name\":\"Mr. Pusher\"}}";
    assertThat(PusherSignatures.channelAuth(
            KEY, SECRET, "1234.1234", "presence-foobar", Optional.of(data)))
        .isEqualTo(KEY + ":afaed3695da2ffd16931f457e338e6c9f2921fa133ce7dac49f529792be6304c");
  }

  @Test
  void userSigninSignatureMatchesPublishedExample() {
    assertThat(PusherSignatures.userAuth(KEY, SECRET, "1234.1234", "{\"id\":\"12345\"}"))
        .isEqualTo(KEY + ":4708d583dada6a56435fb8bc611c77c359a31eebde13337c16ab43aa6de336ba");
  }

  @Test
  void httpApiSignatureMatchesPublishedExample() {
    String body = "{\"name\":\"foo\",\"channels\":[\"project-3\"],\"data\":\"{\\\"some\\\":\\\"data\\\"}\"}";
    assertThat(Hmac.md5Hex(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .isEqualTo("ec365a775a4cd0599faeb73354201b6f");
    Map<String, String> query = new LinkedHashMap<>();
    query.put("body_md5", "ec365a775a4cd0599faeb73354201b6f");
    query.put("auth_version", "1.0");
    query.put("auth_key", KEY);
    query.put("auth_timestamp", "1353088179");
    query.put("auth_signature", "ignored");
    assertThat(PusherSignatures.requestStringToSign("post", "/apps/3/events", query))
        .isEqualTo("POST\n/apps/3/events\nauth_key=278d425bdf160c739803&auth_timestamp=1353088179"
            + "&auth_version=1.0&body_md5=ec365a775a4cd0599faeb73354201b6f");
    assertThat(PusherSignatures.requestSignature(SECRET, "POST", "/apps/3/events", query))
        .isEqualTo("da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c");
  }

  @Test
  void requestSigningLowercasesKeysAndKeepsValuesUnescaped() {
    Map<String, String> query = Map.of("Name", "Something else", "auth_key", "foo");
    assertThat(PusherSignatures.requestStringToSign("GET", "/x", query))
        .isEqualTo("GET\n/x\nauth_key=foo&name=Something else");
  }

  @Test
  void verifyRejectsWrongKeyWrongSignatureAndMissingColon() {
    String auth = PusherSignatures.channelAuth(KEY, SECRET, "1.2", "private-a", Optional.empty());
    assertThat(PusherSignatures.verifyAuth(auth, KEY, SECRET, "1.2:private-a")).isTrue();
    assertThat(PusherSignatures.verifyAuth(auth, "other-key", SECRET, "1.2:private-a")).isFalse();
    assertThat(PusherSignatures.verifyAuth(auth, KEY, SECRET, "1.3:private-a")).isFalse();
    assertThat(PusherSignatures.verifyAuth("nocolon", KEY, SECRET, "1.2:private-a")).isFalse();
    assertThat(PusherSignatures.verifyAuth(null, KEY, SECRET, "1.2:private-a")).isFalse();
  }

  @Test
  void encryptedSharedSecretIsSha256OfNameAndMasterKey() {
    byte[] master = "This is a string that is 32 chars".substring(0, 32).getBytes();
    String secret = PusherSignatures.encryptedChannelSharedSecret("private-encrypted-x", master);
    assertThat(java.util.Base64.getDecoder().decode(secret)).hasSize(32);
    assertThat(secret).isNotEqualTo(
        PusherSignatures.encryptedChannelSharedSecret("private-encrypted-y", master));
  }
}
