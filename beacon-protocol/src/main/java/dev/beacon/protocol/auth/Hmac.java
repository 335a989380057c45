package dev.beacon.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256 and MD5 hex digests, and constant-time comparison of signatures. */
public final class Hmac {

  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final ThreadLocal<Mac> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return Mac.getInstance("HmacSHA256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no HmacSHA256", e);
    }
  });

  private Hmac() {}

  /** The lowercase hex HMAC-SHA256 of {@code message} keyed by {@code secret} (both UTF-8). */
  public static String sha256Hex(String secret, String message) {
    return hex(sha256(secret.getBytes(StandardCharsets.UTF_8), message));
  }

  /** The raw HMAC-SHA256 of {@code message} (UTF-8) keyed by {@code key}. */
  public static byte[] sha256(byte[] key, String message) {
    Mac mac = SHA256.get();
    try {
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("unusable HMAC key", e);
    }
    return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
  }

  /** The lowercase hex MD5 of {@code body}. */
  public static String md5Hex(byte[] body) {
    try {
      return hex(MessageDigest.getInstance("MD5").digest(body));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no MD5", e);
    }
  }

  /** The SHA-256 of {@code data}. */
  public static byte[] sha256Digest(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** Compares two signatures without leaking where they differ. */
  public static boolean constantTimeEquals(String expected, String actual) {
    if (expected == null || actual == null) {
      return false;
    }
    return MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.UTF_8), actual.getBytes(StandardCharsets.UTF_8));
  }

  static String hex(byte[] bytes) {
    char[] out = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      out[2 * i] = HEX[(bytes[i] >> 4) & 0xf];
      out[2 * i + 1] = HEX[bytes[i] & 0xf];
    }
    return new String(out);
  }
}
