package dev.beacon.core.hub;

/** A lane's queue is full: the server refuses new publications until it catches up. */
public final class OverloadedException extends RuntimeException {

  public OverloadedException(String message) {
    super(message, null, false, false);
  }
}
