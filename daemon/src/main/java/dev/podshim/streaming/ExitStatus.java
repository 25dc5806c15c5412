package dev.podshim.streaming;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How a command ended, as the remotecommand protocol reports it on the error stream: from v4 on
 * a metav1.Status in JSON (what kubelet's server writes, field for field, so kubectl reads the
 * exit code from {@code details.causes[reason=ExitCode]}); before v4 only the message, and only
 * on failure.
 */
record ExitStatus(boolean success, String message, String reason, @Nullable String causeReason,
    @Nullable String causeMessage, int code) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static ExitStatus succeeded() {
    return new ExitStatus(true, "", "", null, null, 0);
  }

  /** kubelet's words, with the runtime's error as containerd and CRI-O word it. */
  static ExitStatus nonZeroExit(List<String> cmd, int exitCode) {
    String cause = "error executing command [" + String.join(" ", cmd) + "], exit code " + exitCode;
    return new ExitStatus(false, "command terminated with non-zero exit code: " + cause, "NonZeroExitCode",
        "ExitCode", Integer.toString(exitCode), 0);
  }

  /** apierrors.NewInternalError: the cause also goes into details.causes. */
  static ExitStatus internalError(String cause) {
    return new ExitStatus(false, "Internal error occurred: " + cause, "InternalError", null, cause, 500);
  }

  /** metav1.Status as Go marshals it: field order as declared, empty fields omitted. */
  String json() {
    ObjectNode status = JSON.createObjectNode();
    status.putObject("metadata");
    status.put("status", success ? "Success" : "Failure");
    if (!message.isEmpty()) {
      status.put("message", message);
    }
    if (!reason.isEmpty()) {
      status.put("reason", reason);
    }
    if (causeReason != null || causeMessage != null) {
      ObjectNode cause = status.putObject("details").putArray("causes").addObject();
      if (causeReason != null) {
        cause.put("reason", causeReason);
      }
      if (causeMessage != null) {
        cause.put("message", causeMessage);
      }
    }
    if (code != 0) {
      status.put("code", code);
    }
    return status.toString();
  }

  /** What protocols before v4 write: the message of a failure, nothing on success. */
  @Nullable String text() {
    return success ? null : message;
  }
}
