package dev.beacon.core.functions;

/** Arguments that do not match a function's declared validator. */
public final class ArgumentValidationException extends FunctionException {

  public ArgumentValidationException(String message) {
    super("ArgumentValidationError: " + message, "INVALID_ARGUMENT", false);
  }
}
