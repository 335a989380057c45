package dev.beacon.server.log;

import java.util.Locale;

/**
 * How the server logs: the format of each line and the root level ({@code log.format},
 * {@code log.level}; BEACON_LOG_FORMAT, BEACON_LOG_LEVEL).
 */
public record LogSettings(Format format, String level) {

  /** Levels the root logger takes. */
  public static final java.util.List<String> LEVELS = java.util.List.of("TRACE", "DEBUG", "INFO",
      "WARN", "ERROR", "OFF");

  public static final LogSettings DEFAULTS = new LogSettings(Format.PLAIN, "INFO");

  /** One line per event: readable text, or one JSON object. */
  public enum Format {
    PLAIN,
    JSON;

    /** The format named {@code value} (any case), or null. */
    public static Format parse(String value) {
      for (Format f : values()) {
        if (f.name().equalsIgnoreCase(value.trim())) {
          return f;
        }
      }
      return null;
    }
  }

  public LogSettings {
    level = level.trim().toUpperCase(Locale.ROOT);
    if (!LEVELS.contains(level)) {
      throw new IllegalArgumentException("log level must be one of " + LEVELS + ", got '" + level + "'");
    }
  }
}
