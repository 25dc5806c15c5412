package dev.podshim.container;

import static dev.podshim.container.Fields.invalid;
import static dev.podshim.container.Fields.quoted;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * What runc makes of a Localhost seccomp profile before it runs anything: the names it knows for
 * actions, architectures and argument operators (libcontainer/seccomp/config.go, the same names
 * crun takes), the shape its JSON decoder needs, and NOTIFY only with a listener and never as the
 * default. A profile it would refuse is INVALID_ARGUMENT naming what is wrong, not INTERNAL after
 * runc ran; values are quoted bounded, never the file.
 */
final class SeccompProfileCheck {
  private static final Set<String> ACTIONS = Set.of("SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
      "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY");
  private static final Set<String> ARCHITECTURES = Set.of("SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",
      "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
      "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
      "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_RISCV64");
  private static final Set<String> OPERATORS = Set.of("SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
      "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ");
  private static final String NOTIFY = "SCMP_ACT_NOTIFY";
  private static final java.util.regex.Pattern SCMP_NAME = java.util.regex.Pattern.compile("SCMP_[A-Z0-9_]{1,40}");

  private SeccompProfileCheck() {}

  static void check(String field, String ref, JsonNode profile) {
    String what = "seccomp profile " + ref;
    JsonNode defaultAction = profile.path("defaultAction");
    if (!defaultAction.isMissingNode()) {
      String action = text(field, what + ": defaultAction", defaultAction);
      known(field, what + ": defaultAction", action, ACTIONS, "action");
      if (action.equals(NOTIFY)) {
        throw invalid(field, what + ": " + NOTIFY + " cannot be the default action");
      }
    }
    for (JsonNode arch : array(field, what + ": architectures", profile.path("architectures"))) {
      known(field, what + ": architectures", text(field, what + ": architectures", arch), ARCHITECTURES,
          "architecture");
    }
    boolean notify = false;
    int i = 0;
    for (JsonNode rule : array(field, what + ": syscalls", profile.path("syscalls"))) {
      String at = what + ": syscalls[" + i++ + "]";
      if (!rule.isObject()) {
        throw invalid(field, at + " is not an object");
      }
      for (JsonNode name : array(field, at + ".names", rule.path("names"))) {
        text(field, at + ".names", name);
      }
      String action = text(field, at + ".action", rule.path("action"));
      known(field, at + ".action", action, ACTIONS, "action");
      notify |= action.equals(NOTIFY);
      int j = 0;
      for (JsonNode arg : array(field, at + ".args", rule.path("args"))) {
        String argAt = at + ".args[" + j++ + "]";
        if (!arg.isObject() || !arg.path("index").canConvertToLong() || !arg.path("value").canConvertToLong()) {
          throw invalid(field, argAt + " needs numbers index and value");
        }
        known(field, argAt + ".op", text(field, argAt + ".op", arg.path("op")), OPERATORS, "operator");
      }
    }
    if (notify && profile.path("listenerPath").asText("").isEmpty()) {
      throw invalid(field, what + ": " + NOTIFY + " needs a listenerPath");
    }
  }

  private static Iterable<JsonNode> array(String field, String what, JsonNode node) {
    if (node.isMissingNode() || node.isNull()) {
      return java.util.List.of();
    }
    if (!node.isArray()) {
      throw invalid(field, what + " is not a list");
    }
    return node;
  }

  private static String text(String field, String what, JsonNode node) {
    if (!node.isTextual()) {
      throw invalid(field, what + " is not a string");
    }
    return node.asText();
  }

  /** The value is shown only when it looks like a libseccomp name: the file may be any JSON the node holds. */
  private static void known(String field, String what, String value, Set<String> names, String kind) {
    if (!names.contains(value)) {
      String shown = SCMP_NAME.matcher(value).matches() ? quoted(value) + " is not" : "is not";
      throw invalid(field, what + " " + shown + " a seccomp " + kind + " the runtime knows");
    }
  }
}
