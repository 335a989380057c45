package dev.beacon.bench.config;

/** A bad option or scenario setting, with the option and the value named. */
public final class ConfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
