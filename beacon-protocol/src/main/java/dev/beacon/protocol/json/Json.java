package dev.beacon.protocol.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The one Jackson configuration Beacon's codecs share: strict on input (no duplicate keys, bounded
 * nesting), compact on output.
 */
public final class Json {

  /** The deepest nesting accepted. */
  public static final int MAX_DEPTH = 64;
  /** The longest string accepted. */
  public static final int MAX_STRING = 1 << 20;

  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH)
              .maxStringLength(MAX_STRING).build())
          .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  private static final ObjectMapper MAPPER =
      new ObjectMapper(FACTORY).disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private Json() {}

  /** The shared mapper; configured once, safe to use from any thread. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  public static JsonFactory factory() {
    return FACTORY;
  }

  /** Parses a JSON document, throwing {@link IllegalArgumentException} with Jackson's reason. */
  public static JsonNode parse(String text) {
    try (JsonParser parser = FACTORY.createParser(text)) {
      JsonNode node = MAPPER.readTree(parser);
      if (node == null || parser.nextToken() != null) {
        throw new IllegalArgumentException("expected exactly one JSON value");
      }
      return node;
    } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
      // Jackson's own text names its internals (StreamReadConstraints.getMaxNestingDepth())
      throw new IllegalArgumentException(e.getMessage() != null && e.getMessage().contains("nesting")
          ? "JSON nested deeper than " + MAX_DEPTH + " levels"
          : "JSON string longer than " + MAX_STRING + " characters", e);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(firstLine(e.getOriginalMessage()), e);
    } catch (IOException e) {
      throw new IllegalArgumentException(firstLine(e.getMessage()), e);
    }
  }

  /** Serializes a tree compactly. */
  public static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Serializes any value compactly. */
  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The JSON text of a string value, with quotes. */
  public static String quote(String value) {
    StringBuilder out = new StringBuilder(value.length() + 2);
    out.append('"');
    JsonStringEncoder.getInstance().quoteAsString(value, out);
    return out.append('"').toString();
  }

  /** Writes a JSON document with a generator into a byte array. */
  public static byte[] bytes(GeneratorBody body) {
    try (ByteArrayBuilder buffer = new ByteArrayBuilder(256);
        JsonGenerator gen = FACTORY.createGenerator(buffer)) {
      body.write(gen);
      gen.flush();
      return buffer.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes a JSON document with a generator into a string. */
  public static String string(GeneratorBody body) {
    try (java.io.StringWriter writer = new java.io.StringWriter(128);
        JsonGenerator gen = FACTORY.createGenerator(writer)) {
      body.write(gen);
      gen.flush();
      return writer.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "malformed JSON";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

  /** What a caller writes into a generator. */
  @FunctionalInterface
  public interface GeneratorBody {
    void write(JsonGenerator gen) throws IOException;
  }
}
