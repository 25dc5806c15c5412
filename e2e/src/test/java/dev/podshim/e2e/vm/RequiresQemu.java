package dev.podshim.e2e.vm;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Issue 19's rule for the VM tests: they run wherever the suite runs; they are skipped only on a
 * developer's machine without QEMU (CI unset), with a message saying what to install. In CI a
 * missing QEMU is a failure, which the test then reports, not a skip.
 */
public final class RequiresQemu implements ExecutionCondition {
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    return decide(HostCommand.onPath(Qemu.BINARY), System.getenv("CI") != null);
  }

  static ConditionEvaluationResult decide(boolean qemuInstalled, boolean inCi) {
    if (qemuInstalled) {
      return ConditionEvaluationResult.enabled(Qemu.BINARY + " found");
    }
    if (inCi) {
      return ConditionEvaluationResult.enabled("CI is set: the VM tests must run, and fail without " + Qemu.BINARY);
    }
    return ConditionEvaluationResult.disabled(Qemu.BINARY + " is not installed, so the VM node tests are skipped"
        + " (scripts/deps.sh test installs qemu-system-x86; in CI they fail instead)");
  }
}
