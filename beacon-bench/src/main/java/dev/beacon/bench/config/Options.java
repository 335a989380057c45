package dev.beacon.bench.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Command-line options of the form {@code --name=value} (or {@code --name value}, or a bare
 * {@code --flag} meaning {@code true}). Values are read with their type; a bad value or an option
 * no scenario knows fails with the option and the value named.
 */
public final class Options {

  private final Map<String, String> values;
  private final Set<String> read = new TreeSet<>();

  private Options(Map<String, String> values) {
    this.values = values;
  }

  /** Parses {@code args}; anything not starting with {@code --} is an error. */
  public static Options parse(List<String> args) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("--") || arg.length() == 2) {
        throw new ConfigException("expected an option --name=value, got '" + arg + "'");
      }
      String body = arg.substring(2);
      int eq = body.indexOf('=');
      if (eq >= 0) {
        out.put(body.substring(0, eq), body.substring(eq + 1));
      } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
        out.put(body, args.get(++i));
      } else {
        out.put(body, "true");
      }
    }
    return new Options(out);
  }

  public String string(String name, String fallback) {
    read.add(name);
    return values.getOrDefault(name, fallback);
  }

  public boolean has(String name) {
    read.add(name);
    return values.containsKey(name);
  }

  public int integer(String name, int fallback, int min, int max) {
    long v = longValue(name, fallback, min, max);
    return (int) v;
  }

  public long longValue(String name, long fallback, long min, long max) {
    String raw = string(name, null);
    if (raw == null) {
      return fallback;
    }
    long v;
    try {
      v = parseCount(raw);
    } catch (NumberFormatException e) {
      throw new ConfigException("option --" + name + " must be a whole number, got '" + raw + "'");
    }
    if (v < min || v > max) {
      throw new ConfigException("option --" + name + " must be between " + min + " and " + max
          + ", got '" + raw + "'");
    }
    return v;
  }

  public double decimal(String name, double fallback, double min, double max) {
    String raw = string(name, null);
    if (raw == null) {
      return fallback;
    }
    double v;
    try {
      v = parseDecimal(raw);
    } catch (NumberFormatException e) {
      throw new ConfigException("option --" + name + " must be a number, got '" + raw + "'");
    }
    if (!(v >= min && v <= max)) {
      throw new ConfigException("option --" + name + " must be between " + min + " and " + max
          + ", got '" + raw + "'");
    }
    return v;
  }

  public boolean flag(String name, boolean fallback) {
    String raw = string(name, null);
    if (raw == null) {
      return fallback;
    }
    return switch (raw) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw new ConfigException("option --" + name + " must be true or false, got '" + raw + "'");
    };
  }

  /** A duration such as {@code 500ms}, {@code 10s}, {@code 2m}, or a bare number of seconds. */
  public Duration duration(String name, Duration fallback) {
    String raw = string(name, null);
    if (raw == null) {
      return fallback;
    }
    try {
      return parseDuration(raw);
    } catch (NumberFormatException e) {
      throw new ConfigException("option --" + name + " must be a duration like 10s, 500ms or 2m, got '" + raw + "'");
    }
  }

  /** A comma-separated list of counts, e.g. {@code 64,1k}. */
  public List<Integer> integers(String name, List<Integer> fallback, int min, int max) {
    String raw = string(name, null);
    if (raw == null) {
      return fallback;
    }
    List<Integer> out = new ArrayList<>();
    for (String part : raw.split(",")) {
      long v;
      try {
        v = parseCount(part.trim());
      } catch (NumberFormatException e) {
        throw new ConfigException("option --" + name + " must be a list of whole numbers, got '" + raw + "'");
      }
      if (v < min || v > max) {
        throw new ConfigException("option --" + name + " values must be between " + min + " and "
            + max + ", got '" + raw + "'");
      }
      out.add((int) v);
    }
    return List.copyOf(out);
  }

  /** Fails naming every option that was given but never read. */
  public void requireAllRead() {
    List<String> unknown = new ArrayList<>();
    for (String name : values.keySet()) {
      if (!read.contains(name)) {
        unknown.add("--" + name);
      }
    }
    if (!unknown.isEmpty()) {
      throw new ConfigException("unknown option" + (unknown.size() > 1 ? "s " : " ")
          + String.join(", ", unknown));
    }
  }

  /** {@code 1000}, {@code 10k}, {@code 2m} (million), {@code 1kb} = 1024, {@code 1mb}. */
  static long parseCount(String raw) {
    String s = raw.trim().toLowerCase(java.util.Locale.ROOT).replace("_", "");
    if (s.endsWith("kb")) {
      return Long.parseLong(s.substring(0, s.length() - 2)) * 1024;
    }
    if (s.endsWith("mb")) {
      return Long.parseLong(s.substring(0, s.length() - 2)) * 1024 * 1024;
    }
    if (s.endsWith("k")) {
      return Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1_000);
    }
    if (s.endsWith("m")) {
      return Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1_000_000);
    }
    return Long.parseLong(s);
  }

  /** A number, optionally with {@code k} (thousand) or {@code m} (million). */
  static double parseDecimal(String raw) {
    String s = raw.trim().toLowerCase(java.util.Locale.ROOT).replace("_", "");
    if (s.endsWith("k")) {
      return Double.parseDouble(s.substring(0, s.length() - 1)) * 1_000;
    }
    if (s.endsWith("m")) {
      return Double.parseDouble(s.substring(0, s.length() - 1)) * 1_000_000;
    }
    return Double.parseDouble(s);
  }

  static Duration parseDuration(String raw) {
    String s = raw.trim().toLowerCase(java.util.Locale.ROOT);
    if (s.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
    }
    if (s.endsWith("s")) {
      return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
    }
    if (s.endsWith("m")) {
      return Duration.ofSeconds(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 60));
    }
    return Duration.ofMillis(Math.round(Double.parseDouble(s) * 1000));
  }
}
