package dev.beacon.core.functions;

import java.util.Optional;

/**
 * A function call that failed in a way the caller should hear about: the message is sent as the
 * Convex {@code errorMessage}, and application errors (not argument validation) also carry {@code
 * errorData: {"code": ...}} so that apps can tell them apart.
 */
public class FunctionException extends RuntimeException {

  private final String code;
  private final boolean hasData;

  protected FunctionException(String message, String code, boolean hasData) {
    super(message, null, false, false);
    this.code = code;
    this.hasData = hasData;
  }

  /** A machine-readable code: NOT_FOUND, FORBIDDEN, UNAUTHENTICATED, ... */
  public String code() {
    return code;
  }

  /** The code as {@code errorData}, for application errors. */
  public Optional<String> errorDataCode() {
    return hasData ? Optional.of(code) : Optional.empty();
  }

  public static FunctionException unknownFunction(String path) {
    return new FunctionException("Could not find public function for '" + path + "'",
        "NOT_FOUND", false);
  }

  public static FunctionException wrongKind(String path, String kind, String called) {
    return new FunctionException("Function '" + path + "' is a " + kind + ", not a " + called
        + "; call it with " + kind + "()", "WRONG_KIND", false);
  }

  public static FunctionException unauthenticated(String what) {
    return new FunctionException("Unauthenticated: " + what, "UNAUTHENTICATED", true);
  }

  public static FunctionException forbidden(String what) {
    return new FunctionException("Forbidden: " + what, "FORBIDDEN", true);
  }

  public static FunctionException notFound(String what) {
    return new FunctionException("Not found: " + what, "NOT_FOUND", true);
  }

  /** The call contradicts state it may not change (a session id already used elsewhere). */
  public static FunctionException conflict(String what) {
    return new FunctionException("Conflict: " + what, "CONFLICT", true);
  }

  public static FunctionException rateLimited(String what) {
    return new FunctionException("Rate limited: " + what, "RATE_LIMITED", true);
  }

  public static FunctionException limitReached(String what) {
    return new FunctionException("Limit reached: " + what, "LIMIT_REACHED", true);
  }

  public static FunctionException overloaded(String what) {
    return new FunctionException("Overloaded: " + what, "OVERLOADED", true);
  }

  /**
   * The call needs the cluster, which cannot answer now (Redis unreachable, or no answer within
   * the cluster's command timeout); the same call may succeed shortly.
   */
  public static FunctionException unavailable(String what) {
    return new FunctionException("Unavailable: " + what, "UNAVAILABLE", true);
  }

  /** An unexpected failure; details stay in the server's log. */
  public static final class Internal extends FunctionException {
    public Internal() {
      super("Server Error: the call failed; see the server log", "INTERNAL", false);
    }
  }

  public static FunctionException unsupported(String what) {
    return new FunctionException(what, "UNSUPPORTED", false);
  }
}
