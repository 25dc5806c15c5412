package dev.podshim.oci;

import java.util.List;

/**
 * Reads an OCI runtime's error line for whose fault it was. What the request asked for and the
 * runtime or kernel refused is the client's (INVALID_ARGUMENT); what the container's state does
 * not allow is a precondition; anything else stays the runtime's, or podshim's, own fault. The
 * phrases are runc 1.1's (libcontainer, its cgroup managers, Go's exec and JSON decoder) and
 * crun's; podshim checks most of these requests itself first, this catches what it cannot know.
 */
final class Refusals {
  /** Phrases that mean the request asked for something the runtime or the kernel refuses. */
  private static final List<String> REQUEST = List.of(
      "exec: \"",                                 // the program: not found, not executable, a directory
      "args must not be empty",
      "cannot be mounted because",                // a mount into /proc
      "for seccomp",                              // "... is not a valid action for seccomp"
      "seccomp flags",
      "listenerPath is not set",
      "cannot be used as default action",
      "invalid configuration",
      "cannot unmarshal",                         // a value outside the field's type, e.g. -1 for cpu shares
      "allowed cpu-shares",
      "unable to set memory limit",               // below what the cgroup already uses
      "cannot set hugetlb limit",
      "chdir to cwd",
      "not a directory");
  /** Kernel answers to a cgroup file write of a value it does not take. */
  private static final List<String> CGROUP_VALUE = List.of("invalid argument", "numerical result out of range");
  /** Phrases that mean the container is not in a state the call needs. */
  private static final List<String> STATE = List.of(
      "container not running", "cannot start a container that has stopped", "cannot start an already running",
      "container is paused", "is not running");

  private Refusals() {}

  static OciException.Blame blame(String line) {
    if (REQUEST.stream().anyMatch(line::contains)
        || (line.contains("failed to write") && CGROUP_VALUE.stream().anyMatch(line::contains))) {
      return OciException.Blame.REQUEST;
    }
    if (STATE.stream().anyMatch(line::contains)) {
      return OciException.Blame.STATE;
    }
    return OciException.Blame.RUNTIME;
  }
}
