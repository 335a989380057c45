package dev.beacon.server.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.beacon.core.app.App;
import dev.beacon.core.app.PushSettings;
import dev.beacon.core.outbox.PushContent;
import dev.beacon.core.push.Delivery;
import dev.beacon.core.push.OutboxEntry;
import dev.beacon.protocol.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * FCM HTTP v1: {@code POST /v1/projects/{project}/messages:send} with an OAuth access token that
 * the service account's own signed JWT (RS256) buys from its token URL, kept until a minute before
 * it expires. The message id goes into every collapse key FCM forwards ({@code
 * android.collapse_key}, {@code apns-collapse-id}, Web Push {@code Topic}).
 */
final class FcmSender {

  static final String SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
  static final String DEFAULT_ENDPOINT = "https://fcm.googleapis.com";

  private final PushHttp http;
  private final Map<String, Account> accounts;

  private FcmSender(PushHttp http, Map<String, Account> accounts) {
    this.http = http;
    this.accounts = accounts;
  }

  /** Reads the service account of every app with {@code push.fcm}. */
  static FcmSender start(PushHttp http, Iterable<App> apps) {
    Map<String, Account> accounts = new HashMap<>();
    for (App app : apps) {
      if (app.push().fcm().isPresent()) {
        accounts.put(app.id(), Account.load(app.id(), app.push().fcm().get()));
      }
    }
    return new FcmSender(http, accounts);
  }

  /** A service account and its current access token. */
  private static final class Account {
    final String projectId;
    final String clientEmail;
    final String keyId;
    final PrivateKey key;
    final URI tokenUrl;
    final URI sendUrl;
    private CompletableFuture<Token> token;

    private Account(String projectId, String clientEmail, String keyId, PrivateKey key, URI tokenUrl,
        URI sendUrl) {
      this.projectId = projectId;
      this.clientEmail = clientEmail;
      this.keyId = keyId;
      this.key = key;
      this.tokenUrl = tokenUrl;
      this.sendUrl = sendUrl;
    }

    static Account load(String appId, PushSettings.Fcm fcm) {
      String where = "apps[" + appId + "].push.fcm.service_account_file";
      try {
        JsonNode sa = Json.parse(Files.readString(Path.of(fcm.serviceAccountFile())));
        String projectId = required(sa, "project_id", where);
        String pem = required(sa, "private_key", where);
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        URI tokenUrl = URI.create(fcm.tokenUrl().orElse(sa.path("token_uri").asText(
            "https://oauth2.googleapis.com/token")));
        String base = fcm.endpoint().orElse(DEFAULT_ENDPOINT).replaceAll("/+$", "");
        return new Account(projectId, required(sa, "client_email", where),
            sa.path("private_key_id").asText(""), key,
            tokenUrl, URI.create(base + "/v1/projects/" + projectId + "/messages:send"));
      } catch (IOException e) {
        throw new IllegalArgumentException(where + ": cannot read '" + fcm.serviceAccountFile()
            + "': " + e.getMessage(), e);
      } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": '" + fcm.serviceAccountFile()
            + "' is not a service account key file (" + e.getMessage() + ")", e);
      }
    }

    private static String required(JsonNode sa, String field, String where) {
      String v = sa.path(field).asText("");
      if (v.isEmpty()) {
        throw new IllegalArgumentException(where + ": the service account has no '" + field + "'");
      }
      return v;
    }

    /** The access token, bought again when it is within a minute of expiring or was refused. */
    synchronized CompletableFuture<Token> token(PushHttp http, long now) {
      if (token == null || (token.isDone() && (token.isCompletedExceptionally()
          || token.join().expiresAt() - 60_000 <= now))) {
        token = buy(http, now);
      }
      return token;
    }

    synchronized void refused(CompletableFuture<Token> stale) {
      if (token == stale) {
        token = null;
      }
    }

    private CompletableFuture<Token> buy(PushHttp http, long now) {
      String assertion;
      try {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256)
            .type(JOSEObjectType.JWT).keyID(keyId.isEmpty() ? null : keyId).build(),
            new JWTClaimsSet.Builder().issuer(clientEmail).audience(tokenUrl.toString())
                .claim("scope", SCOPE).issueTime(new Date(now / 1000 * 1000))
                .expirationTime(new Date(now / 1000 * 1000 + 3_600_000)).build());
        jwt.sign(new RSASSASigner(key));
        assertion = jwt.serialize();
      } catch (JOSEException e) {
        return CompletableFuture.failedFuture(e);
      }
      String form = "grant_type=" + URLEncoder.encode("urn:ietf:params:oauth:grant-type:jwt-bearer",
          StandardCharsets.UTF_8) + "&assertion=" + assertion;
      HttpRequest request = HttpRequest.newBuilder(tokenUrl).timeout(PushHttp.REQUEST_TIMEOUT)
          .header("Content-Type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString(form)).build();
      return http.client().sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
        if (r.statusCode() != 200) {
          throw new IllegalStateException("the token URL answered " + r.statusCode() + ": "
              + PushHttp.snippet(r.body()));
        }
        JsonNode body = Json.parse(r.body());
        String value = body.path("access_token").asText("");
        if (value.isEmpty()) {
          throw new IllegalStateException("the token URL sent no access_token");
        }
        return new Token(value, now + body.path("expires_in").asLong(3600) * 1000);
      });
    }
  }

  private record Token(String value, long expiresAt) {}

  CompletableFuture<Delivery> send(App app, OutboxEntry e) {
    Account account = accounts.get(app.id());
    if (account == null) {
      return CompletableFuture.completedFuture(new Delivery.Rejected("fcm is not configured"));
    }
    long now = System.currentTimeMillis();
    CompletableFuture<Token> token = account.token(http, now);
    String body = Json.write(message(e, now));
    return token.thenCompose(t -> http.client().sendAsync(HttpRequest.newBuilder(account.sendUrl)
            .timeout(PushHttp.REQUEST_TIMEOUT)
            .header("Authorization", "Bearer " + t.value())
            .header("Content-Type", "application/json; charset=utf-8")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString()))
        .handle((response, error) -> {
          if (error != null) {
            return Delivery.retry("fcm: " + error);
          }
          int status = response.statusCode();
          if (status == 200) {
            return new Delivery.Delivered();
          }
          String code = errorCode(response.body());
          if (code.equals("UNREGISTERED")) {
            return new Delivery.Gone("fcm: UNREGISTERED");
          }
          if (status == 401) {
            account.refused(token);
            return Delivery.retry("fcm: access token refused");
          }
          if (status == 429 || status >= 500) {
            return PushHttp.retry(response, "fcm");
          }
          return new Delivery.Rejected("fcm answered " + status + " " + code + ": "
              + PushHttp.snippet(response.body()));
        });
  }

  /** The {@code errorCode} of an FcmError in the error's details, else its status. */
  static String errorCode(String body) {
    try {
      JsonNode error = Json.parse(body).path("error");
      for (JsonNode detail : error.path("details")) {
        if (detail.has("errorCode")) {
          return detail.get("errorCode").asText();
        }
      }
      return error.path("status").asText("");
    } catch (RuntimeException e) {
      return "";
    }
  }

  /** The v1 message: a notification, string data, and the collapse keys of each platform. */
  static ObjectNode message(OutboxEntry e, long now) {
    PushContent c = e.content();
    long ttl = e.ttlSecondsAt(now);
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    ObjectNode m = root.putObject("message");
    m.put("token", e.device().address());
    ObjectNode notification = m.putObject("notification");
    notification.put("title", c.title());
    if (!c.body().isEmpty()) {
      notification.put("body", c.body());
    }
    ObjectNode data = m.putObject("data");
    data.put("id", e.messageId());
    if (!c.dataJson().equals("null")) {
      data.put("data", c.dataJson());
    }
    if (!c.url().isEmpty()) {
      data.put("url", c.url());
    }
    m.putObject("android").put("collapse_key", e.messageId()).put("ttl", ttl + "s");
    m.putObject("apns").putObject("headers").put("apns-collapse-id", e.messageId())
        .put("apns-expiration", Long.toString(e.expiresAt() / 1000));
    m.putObject("webpush").putObject("headers").put("Topic", e.messageId())
        .put("TTL", Long.toString(ttl));
    return root;
  }
}
