package dev.beacon.protocol.pusher;

/**
 * Pusher's error and close codes, as the protocol defines them.
 *
 * <p>4000-4099: do not reconnect unchanged; 4100-4199: reconnect after backing off; 4200-4299:
 * reconnect at once; 4300-4399: other errors.
 */
public enum PusherError {
  SSL_ONLY(4000, "Application only accepts SSL connections, reconnect using wss://"),
  APP_NOT_FOUND(4001, "Application does not exist"),
  APP_DISABLED(4003, "Application disabled"),
  OVER_CONNECTION_QUOTA(4004, "Application is over connection quota"),
  PATH_NOT_FOUND(4005, "Path not found"),
  INVALID_VERSION(4006, "Invalid version string format"),
  UNSUPPORTED_PROTOCOL(4007, "Unsupported protocol version"),
  NO_PROTOCOL_VERSION(4008, "No protocol version supplied"),
  UNAUTHORIZED(4009, "Connection is unauthorized"),
  OVER_CAPACITY(4100, "Over capacity"),
  RECONNECT(4200, "Generic reconnect immediately"),
  PONG_NOT_RECEIVED(4201, "Pong reply not received"),
  CLOSED_AFTER_INACTIVITY(4202, "Closed after inactivity"),
  CLIENT_EVENT_RATE_LIMIT(4301, "Client event rejected due to rate limit");

  private final int code;
  private final String description;

  PusherError(int code, String description) {
    this.code = code;
    this.description = description;
  }

  public int code() {
    return code;
  }

  public String description() {
    return description;
  }
}
