package dev.beacon.core.app;

import java.util.Optional;

/**
 * An app's offline push: when a notification becomes a push, how long a push is worth sending,
 * how many a user may get, and the credentials of each push service (none configured: no push).
 * Files named here are read by the server at start.
 *
 * @param when who gets a push: only users with no live session, or everyone
 * @param ttlSeconds how long a push is retried before it is given up
 * @param perUserPerMinute pushes a user may get per minute; more are not sent (the in-app
 *     notification still is)
 * @param insecureLoopback whether {@code http://} push endpoints on a loopback address are
 *     accepted (development mode only)
 */
public record PushSettings(When when, int ttlSeconds, int perUserPerMinute, Optional<Web> web,
    Optional<Apns> apns, Optional<Fcm> fcm, boolean insecureLoopback) {

  /** No push service configured. */
  public static final PushSettings NONE = new PushSettings(When.OFFLINE, 86_400, 60,
      Optional.empty(), Optional.empty(), Optional.empty(), false);

  /** Who gets a push for a notification. */
  public enum When {
    /** Only a user with no live session (the presence model's "offline"). */
    OFFLINE,
    /** Every recipient, connected or not. */
    ALWAYS
  }

  public PushSettings {
    if (when == null) {
      throw new IllegalArgumentException("push.when must be offline or always");
    }
    if (ttlSeconds < 1 || ttlSeconds > 28 * 86_400) {
      throw new IllegalArgumentException("push.ttl_seconds must be between 1 and 2419200 (28 days), got "
          + ttlSeconds);
    }
    if (perUserPerMinute < 1) {
      throw new IllegalArgumentException("push.per_user_per_minute must be > 0, got " + perUserPerMinute);
    }
    web = web == null ? Optional.empty() : web;
    apns = apns == null ? Optional.empty() : apns;
    fcm = fcm == null ? Optional.empty() : fcm;
  }

  /** Whether any push service is configured. */
  public boolean enabled() {
    return web.isPresent() || apns.isPresent() || fcm.isPresent();
  }

  public PushSettings withWeb(Web value) {
    return new PushSettings(when, ttlSeconds, perUserPerMinute, Optional.of(value), apns, fcm,
        insecureLoopback);
  }

  /**
   * Web Push (RFC 8291 / RFC 8292) with a VAPID key pair.
   *
   * @param publicKey the uncompressed P-256 public key, base64url (what a page passes to {@code
   *     pushManager.subscribe} as {@code applicationServerKey})
   * @param privateKey the private scalar, base64url (32 bytes)
   * @param subject a {@code mailto:} or {@code https:} contact for the push services
   */
  public record Web(String publicKey, String privateKey, String subject) {
    public Web {
      if (publicKey == null || publicKey.isEmpty() || privateKey == null || privateKey.isEmpty()) {
        throw new IllegalArgumentException("push.web needs vapid_public_key and vapid_private_key");
      }
      if (subject == null || !(subject.startsWith("mailto:") || subject.startsWith("https://"))) {
        throw new IllegalArgumentException("push.web.subject must be a mailto: or https: URL, got '"
            + subject + "'");
      }
    }
  }

  /**
   * APNs over HTTP/2 with token (.p8) authentication.
   *
   * @param endpoint {@code host:port} instead of Apple's (tests, proxies)
   * @param trustedCertificateFile a PEM file of the CA that signs {@code endpoint}'s certificate
   */
  public record Apns(String teamId, String keyId, String keyFile, String topic, boolean production,
      Optional<String> endpoint, Optional<String> trustedCertificateFile) {
    public Apns {
      for (String[] f : new String[][] {{"team_id", teamId}, {"key_id", keyId},
          {"key_file", keyFile}, {"topic", topic}}) {
        if (f[1] == null || f[1].isEmpty()) {
          throw new IllegalArgumentException("push.apns." + f[0] + " is required");
        }
      }
      endpoint = endpoint == null ? Optional.empty() : endpoint;
      trustedCertificateFile = trustedCertificateFile == null ? Optional.empty() : trustedCertificateFile;
    }
  }

  /**
   * FCM HTTP v1 with a service account.
   *
   * @param endpoint the base URL instead of {@code https://fcm.googleapis.com} (tests)
   * @param tokenUrl the OAuth token URL instead of the service account's {@code token_uri}
   */
  public record Fcm(String serviceAccountFile, Optional<String> endpoint, Optional<String> tokenUrl) {
    public Fcm {
      if (serviceAccountFile == null || serviceAccountFile.isEmpty()) {
        throw new IllegalArgumentException("push.fcm.service_account_file is required");
      }
      endpoint = endpoint == null ? Optional.empty() : endpoint;
      tokenUrl = tokenUrl == null ? Optional.empty() : tokenUrl;
    }
  }
}
