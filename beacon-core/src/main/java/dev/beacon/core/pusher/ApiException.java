package dev.beacon.core.pusher;

/** An HTTP API request that cannot be served, with the HTTP status to answer it with. */
public final class ApiException extends RuntimeException {

  private final int status;

  public ApiException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
