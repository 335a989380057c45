package dev.beacon.server.config;

/** A configuration that cannot be used; the message names the key and the bad value. */
public final class ConfigException extends RuntimeException {

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
