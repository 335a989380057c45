package dev.beacon.core.conversations;

import dev.beacon.core.functions.ArgumentValidationException;
import java.util.Optional;

/**
 * A message's sequence number as a page cursor: 20 characters of the id alphabet, zero-padded,
 * so cursors sort as sequence numbers do and pass as ids wherever the pagination helpers expect
 * one ({@link dev.beacon.core.functions.PageRequest}). Messages page by sequence number, not by
 * id: two sends racing on different threads may take ids in one order and numbers in the other.
 */
final class SeqCursor {

  private static final String ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

  private SeqCursor() {}

  static String of(long seq) {
    char[] out = new char[20];
    long v = seq;
    for (int i = 19; i >= 0; i--) {
      out[i] = ALPHABET.charAt((int) (v & 31));
      v >>>= 5;
    }
    return new String(out);
  }

  static Optional<Long> parse(Optional<String> cursor) {
    if (cursor.isEmpty()) {
      return Optional.empty();
    }
    long v = 0;
    String text = cursor.get();
    for (int i = 0; i < text.length(); i++) {
      int d = ALPHABET.indexOf(text.charAt(i));
      if (d < 0 || (i < 7 && d != 0)) {
        throw new ArgumentValidationException("cursor '" + text + "' is not a continueCursor "
            + "this query returned");
      }
      v = (v << 5) | d;
    }
    return Optional.of(v);
  }
}
