package dev.beacon.protocol.pusher;

import java.util.Optional;

/**
 * A client broke the Pusher protocol. Carries the wire code, if the protocol has one for it; the
 * edge turns it into a {@code pusher:error} (and a close, for codes below 4300).
 */
public final class PusherProtocolException extends RuntimeException {

  private final Integer code;

  public PusherProtocolException(String message) {
    super(message, null, false, false);
    this.code = null;
  }

  public PusherProtocolException(PusherError error, String message) {
    super(message, null, false, false);
    this.code = error.code();
  }

  /** The Pusher error code, when there is one. */
  public Optional<Integer> code() {
    return Optional.ofNullable(code);
  }
}
