package dev.beacon.server.push;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Message encryption for Web Push (RFC 8291) in the {@code aes128gcm} content coding (RFC 8188),
 * one record, with the JDK's ECDH, HMAC-SHA-256 (HKDF) and AES-GCM.
 */
final class WebPushEncryption {

  /** The record size written in the header; one record holds the whole message. */
  static final int RECORD_SIZE = 4096;
  /** The largest plaintext that fits a record: minus the GCM tag and the padding delimiter. */
  static final int MAX_PLAINTEXT = RECORD_SIZE - 16 - 1;

  private static final SecureRandom RANDOM = new SecureRandom();

  private WebPushEncryption() {}

  /**
   * Encrypts {@code plaintext} for a subscription.
   *
   * @param uaPublic the subscription's {@code p256dh}: an uncompressed P-256 point (65 bytes)
   * @param authSecret the subscription's {@code auth} (16 bytes)
   * @return the body to POST: header (salt, rs, keyid = the sender's ephemeral public key) and
   *     the one encrypted record
   */
  static byte[] encrypt(byte[] plaintext, byte[] uaPublic, byte[] authSecret)
      throws GeneralSecurityException {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    return encrypt(plaintext, uaPublic, authSecret, salt, EcKeys.generate());
  }

  static byte[] encrypt(byte[] plaintext, byte[] uaPublic, byte[] authSecret, byte[] salt,
      KeyPair ephemeral) throws GeneralSecurityException {
    if (plaintext.length > MAX_PLAINTEXT) {
      throw new IllegalArgumentException("a Web Push message holds at most " + MAX_PLAINTEXT
          + " bytes, got " + plaintext.length);
    }
    byte[] asPublic = EcKeys.encodePoint((ECPublicKey) ephemeral.getPublic());
    KeyAgreement ecdh = KeyAgreement.getInstance("ECDH");
    ecdh.init(ephemeral.getPrivate());
    ecdh.doPhase(EcKeys.publicKey(uaPublic), true);
    byte[] ecdhSecret = ecdh.generateSecret();

    // RFC 8291 section 3.4: IKM = HKDF(auth_secret, ecdh_secret, "WebPush: info" 0 ua as, 32)
    byte[] keyInfo = concat("WebPush: info\0".getBytes(StandardCharsets.US_ASCII), uaPublic, asPublic);
    byte[] ikm = expand(hmac(authSecret, ecdhSecret), keyInfo, 32);
    // RFC 8188 section 2.2 / 2.3: CEK and NONCE from the salt and IKM
    byte[] prk = hmac(salt, ikm);
    byte[] cek = expand(prk, "Content-Encoding: aes128gcm\0".getBytes(StandardCharsets.US_ASCII), 16);
    byte[] nonce = expand(prk, "Content-Encoding: nonce\0".getBytes(StandardCharsets.US_ASCII), 12);

    // the last (and only) record ends with the delimiter 0x02, no further padding
    byte[] padded = new byte[plaintext.length + 1];
    System.arraycopy(plaintext, 0, padded, 0, plaintext.length);
    padded[plaintext.length] = 2;
    Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
    aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(128, nonce));
    byte[] record = aes.doFinal(padded);

    ByteBuffer out = ByteBuffer.allocate(16 + 4 + 1 + asPublic.length + record.length);
    out.put(salt).putInt(RECORD_SIZE).put((byte) asPublic.length).put(asPublic).put(record);
    return out.array();
  }

  private static byte[] hmac(byte[] key, byte[] data) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data);
  }

  /** HKDF-Expand for one block (length at most 32). */
  private static byte[] expand(byte[] prk, byte[] info, int length) throws GeneralSecurityException {
    byte[] t = hmac(prk, concat(info, new byte[] {1}));
    byte[] out = new byte[length];
    System.arraycopy(t, 0, out, 0, length);
    return out;
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
