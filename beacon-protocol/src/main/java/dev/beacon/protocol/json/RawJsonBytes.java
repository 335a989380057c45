package dev.beacon.protocol.json;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A JSON value already written, kept as its UTF-8 bytes: given to a generator as a raw value
 * ({@code writeRawValue}), a byte generator copies the bytes in as they are. The bytes are not
 * copied and must not change.
 */
public final class RawJsonBytes implements SerializableString {

  private final byte[] utf8;

  public RawJsonBytes(byte[] utf8) {
    this.utf8 = utf8;
  }

  @Override
  public String getValue() {
    return new String(utf8, StandardCharsets.UTF_8);
  }

  @Override
  public int charLength() {
    return getValue().length();
  }

  @Override
  public byte[] asUnquotedUTF8() {
    return utf8;
  }

  @Override
  public int appendUnquotedUTF8(byte[] buffer, int offset) {
    if (offset + utf8.length > buffer.length) {
      return -1;
    }
    System.arraycopy(utf8, 0, buffer, offset, utf8.length);
    return utf8.length;
  }

  @Override
  public int writeUnquotedUTF8(OutputStream out) throws IOException {
    out.write(utf8);
    return utf8.length;
  }

  @Override
  public int putUnquotedUTF8(ByteBuffer out) {
    if (out.remaining() < utf8.length) {
      return -1;
    }
    out.put(utf8);
    return utf8.length;
  }

  @Override
  public int appendUnquoted(char[] buffer, int offset) {
    String s = getValue();
    if (offset + s.length() > buffer.length) {
      return -1;
    }
    s.getChars(0, s.length(), buffer, offset);
    return s.length();
  }

  // a raw value is never written quoted; these answer as a string of the same text would

  @Override
  public char[] asQuotedChars() {
    return new SerializedString(getValue()).asQuotedChars();
  }

  @Override
  public byte[] asQuotedUTF8() {
    return new SerializedString(getValue()).asQuotedUTF8();
  }

  @Override
  public int appendQuotedUTF8(byte[] buffer, int offset) {
    return new SerializedString(getValue()).appendQuotedUTF8(buffer, offset);
  }

  @Override
  public int appendQuoted(char[] buffer, int offset) {
    return new SerializedString(getValue()).appendQuoted(buffer, offset);
  }

  @Override
  public int writeQuotedUTF8(OutputStream out) throws IOException {
    return new SerializedString(getValue()).writeQuotedUTF8(out);
  }

  @Override
  public int putQuotedUTF8(ByteBuffer out) {
    return new SerializedString(getValue()).putQuotedUTF8(out);
  }

  @Override
  public String toString() {
    return getValue();
  }
}
