package dev.beacon.core.store;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Time-ordered ids: 20 characters of Crockford base32, the first 10 the creation millisecond and
 * the rest a counter seeded randomly per process, so ids sort by creation time (within a node,
 * strictly) and do not collide across nodes. A cursor is simply the last id seen.
 */
public final class Ids {

  private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
  private final AtomicLong last = new AtomicLong();
  private final long node;

  public Ids() {
    this.node = new SecureRandom().nextLong() & 0xFFFFFL; // 20 random bits
  }

  /** A new id for something created at {@code millis}. */
  public String next(long millis) {
    // strictly increasing 40-bit (millis << 0) + 10-bit sequence within this process
    long candidate = (millis << 10);
    long value = last.updateAndGet(prev -> Math.max(prev + 1, candidate));
    char[] out = new char[20];
    encode(value >>> 10, out, 0, 10);
    encode(((value & 0x3FF) << 40) | (node << 20) | (System.nanoTime() & 0xFFFFF), out, 10, 10);
    return new String(out);
  }

  /** Whether {@code text} has the shape of an id (20 characters of the alphabet). */
  public static boolean isId(String text) {
    if (text.length() != 20) {
      return false;
    }
    for (int i = 0; i < text.length(); i++) {
      if (java.util.Arrays.binarySearch(ALPHABET, text.charAt(i)) < 0) {
        return false;
      }
    }
    return true;
  }

  private static void encode(long value, char[] out, int offset, int chars) {
    for (int i = chars - 1; i >= 0; i--) {
      out[offset + i] = ALPHABET[(int) (value & 31)];
      value >>>= 5;
    }
  }
}
