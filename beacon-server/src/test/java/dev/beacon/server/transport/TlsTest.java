package dev.beacon.server.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.beacon.server.BeaconServer;
import dev.beacon.server.TestServers;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS from PEM files, and the files picked up again when they change. */
class TlsTest {

  @TempDir
  Path dir;

  @Test
  void servesHttpsAndWssAndReloadsTheCertificateWhenTheFilesChange() throws Exception {
    Path certFile = dir.resolve("cert.pem");
    Path keyFile = dir.resolve("key.pem");
    X509Certificate first = writeSelfSigned(certFile, keyFile, 1);
    try (BeaconServer server = TestServers.start(Map.of("BEACON_TLS_CERT_FILE", certFile.toString(),
        "BEACON_TLS_KEY_FILE", keyFile.toString()))) {
      SSLContext trustFirst = trusting(first);
      HttpClient https = HttpClient.newBuilder().sslContext(trustFirst).build();
      HttpResponse<String> health = https.send(HttpRequest.newBuilder(
          URI.create("https://127.0.0.1:" + server.port() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);

      List<String> received = new CopyOnWriteArrayList<>();
      WebSocket ws = https.newWebSocketBuilder().buildAsync(
          URI.create("wss://127.0.0.1:" + server.port() + "/app/app-key?protocol=7"), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
              received.add(data.toString());
              w.request(1);
              return null;
            }
          }).get();
      await().atMost(Duration.ofSeconds(10)).until(() ->
          received.stream().anyMatch(m -> m.contains("connection_established")));
      assertThat(presented(server.port(), first)).isEqualTo(first.getSerialNumber());

      // new files: new connections get the new certificate, the open WebSocket carries on
      X509Certificate second = writeSelfSigned(certFile, keyFile, 2);
      await().atMost(Duration.ofSeconds(20)).until(() ->
          second.getSerialNumber().equals(presented(server.port(), second)));
      ws.sendText("{\"event\":\"pusher:ping\",\"data\":{}}", true).get();
      await().atMost(Duration.ofSeconds(10)).until(() -> received.stream().anyMatch(m -> m.contains("pusher:pong")));
    }
  }

  /** The serial number of the certificate the server presents to a new TLS connection. */
  private static BigInteger presented(int port, X509Certificate trusted) throws Exception {
    try (SSLSocket socket = (SSLSocket) trustingAny().getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  private static SSLContext trusting(X509Certificate cert) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    store.setCertificateEntry("beacon", cert);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  /** Accepts any certificate: only to read which one the server presents. */
  private static SSLContext trustingAny() throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, null);
    return ctx;
  }

  /** Writes a fresh self-signed certificate for 127.0.0.1 and its key as PEM. */
  private static X509Certificate writeSelfSigned(Path certFile, Path keyFile, long serial) throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(256);
    KeyPair pair = gen.generateKeyPair();
    X500Name name = new X500Name("CN=beacon-test-" + serial);
    long now = System.currentTimeMillis();
    JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(serial),
        new Date(now - 60_000), new Date(now + 86_400_000), name, pair.getPublic());
    builder.addExtension(Extension.subjectAlternativeName, false,
        new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
    X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
    Files.writeString(certFile, pem(cert));
    // PKCS #8 ("BEGIN PRIVATE KEY"), as openssl writes keys today
    Files.writeString(keyFile, pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(pair.getPrivate(), null)));
    return cert;
  }

  private static String pem(Object o) throws Exception {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(o);
    }
    return out.toString();
  }
}
