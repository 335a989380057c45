package dev.beacon.core.functions;

import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * A run that must wait for an answer before the call can go on (in a cluster: Redis deciding
 * whether a user may join a room); not an error. A function body cannot wait, so it throws this
 * where it stops; the call runs again once {@link #answer} completes (see {@link
 * Functions#invoke(FunctionDefinition, Caller, com.fasterxml.jackson.databind.JsonNode,
 * java.util.Optional, java.util.concurrent.Executor, java.util.function.BiConsumer)}), or fails
 * with what {@link #failure} makes of the answer's failure. A body throws it only where what it
 * did before may be done again. Carries no stack trace.
 */
public final class Awaiting extends RuntimeException {

  private final transient CompletionStage<?> answer;
  private final transient Function<Throwable, RuntimeException> failure;

  /**
   * @param what what the call waits for, for a log line
   * @param failure the call's failure for the answer's (unwrapped from a CompletionException)
   */
  public Awaiting(String what, CompletionStage<?> answer,
      Function<Throwable, RuntimeException> failure) {
    super("waiting for " + what, null, false, false);
    this.answer = answer;
    this.failure = failure;
  }

  CompletionStage<?> answer() {
    return answer;
  }

  /** The call's failure when the answer failed with {@code error}. */
  RuntimeException failure(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null
        ? error.getCause() : error;
    return failure.apply(cause);
  }
}
