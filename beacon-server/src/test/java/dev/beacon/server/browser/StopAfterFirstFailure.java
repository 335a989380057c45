package dev.beacon.server.browser;

import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * For ordered steps of one story: once a step fails, the later ones are skipped (they would only
 * fail for the same reason), and the report names the step that failed.
 */
final class StopAfterFirstFailure implements TestWatcher, ExecutionCondition {

  private volatile String failed;

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    if (failed == null) {
      failed = context.getDisplayName();
    }
  }

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    if (context.getTestMethod().isEmpty() || failed == null) {
      return ConditionEvaluationResult.enabled("no step has failed");
    }
    return ConditionEvaluationResult.disabled("skipped: the earlier step " + failed + " failed");
  }

  Optional<String> failedStep() {
    return Optional.ofNullable(failed);
  }
}
