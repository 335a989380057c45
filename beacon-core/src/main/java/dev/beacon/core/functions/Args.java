package dev.beacon.core.functions;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A function's validated arguments, read by name. */
public final class Args {

  private final JsonNode object;

  Args(JsonNode object) {
    this.object = object;
  }

  public JsonNode raw() {
    return object;
  }

  private JsonNode field(String name) {
    JsonNode v = object.get(name);
    return v == null || v.isNull() ? null : v;
  }

  public String string(String name) {
    return optString(name).orElseThrow(() -> new IllegalStateException("missing " + name));
  }

  public Optional<String> optString(String name) {
    JsonNode v = field(name);
    return v == null ? Optional.empty() : Optional.of(v.textValue());
  }

  public Optional<Double> optNumber(String name) {
    JsonNode v = field(name);
    return v == null ? Optional.empty() : Optional.of(v.doubleValue());
  }

  public double number(String name) {
    return optNumber(name).orElseThrow(() -> new IllegalStateException("missing " + name));
  }

  public boolean bool(String name, boolean fallback) {
    JsonNode v = field(name);
    return v == null ? fallback : v.booleanValue();
  }

  public Optional<List<String>> optStrings(String name) {
    JsonNode v = field(name);
    if (v == null) {
      return Optional.empty();
    }
    List<String> out = new ArrayList<>(v.size());
    v.forEach(item -> out.add(item.textValue()));
    return Optional.of(out);
  }

  public List<String> strings(String name) {
    return optStrings(name).orElseThrow(() -> new IllegalStateException("missing " + name));
  }

  /** Any JSON value, or empty when absent or null. */
  public Optional<JsonNode> optValue(String name) {
    return Optional.ofNullable(field(name));
  }

  public boolean has(String name) {
    return field(name) != null;
  }
}
