package dev.podshim.oci;

import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;

/** Linux signal names and numbers (x86-64 and arm64 agree on these), as image configs spell them. */
public final class Signals {
  public static final int SIGKILL = 9;
  public static final int SIGTERM = 15;

  private static final Map<String, Integer> BY_NAME = Map.ofEntries(
      Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4), Map.entry("TRAP", 5),
      Map.entry("ABRT", 6), Map.entry("IOT", 6), Map.entry("BUS", 7), Map.entry("FPE", 8), Map.entry("KILL", 9),
      Map.entry("USR1", 10), Map.entry("SEGV", 11), Map.entry("USR2", 12), Map.entry("PIPE", 13),
      Map.entry("ALRM", 14), Map.entry("TERM", 15), Map.entry("STKFLT", 16), Map.entry("CHLD", 17),
      Map.entry("CONT", 18), Map.entry("STOP", 19), Map.entry("TSTP", 20), Map.entry("TTIN", 21),
      Map.entry("TTOU", 22), Map.entry("URG", 23), Map.entry("XCPU", 24), Map.entry("XFSZ", 25),
      Map.entry("VTALRM", 26), Map.entry("PROF", 27), Map.entry("WINCH", 28), Map.entry("IO", 29),
      Map.entry("POLL", 29), Map.entry("PWR", 30), Map.entry("SYS", 31));
  private static final int SIGRTMIN = 34;
  private static final int SIGRTMAX = 64;

  private Signals() {}

  /** "SIGTERM", "TERM", "term", "15", "SIGRTMIN+3": the number; empty when not a signal. */
  public static OptionalInt parse(String text) {
    String s = text.strip().toUpperCase(Locale.ROOT);
    if (s.startsWith("SIG")) {
      s = s.substring(3);
    }
    if (s.isEmpty()) {
      return OptionalInt.empty();
    }
    Integer named = BY_NAME.get(s);
    if (named != null) {
      return OptionalInt.of(named);
    }
    try {
      int n;
      if (s.startsWith("RTMIN")) {
        n = SIGRTMIN + (s.length() == 5 ? 0 : Integer.parseInt(s.substring(5)));
      } else if (s.startsWith("RTMAX")) {
        n = SIGRTMAX + (s.length() == 5 ? 0 : Integer.parseInt(s.substring(5)));
      } else {
        n = Integer.parseInt(s);
      }
      return n >= 1 && n <= SIGRTMAX ? OptionalInt.of(n) : OptionalInt.empty();
    } catch (NumberFormatException e) {
      return OptionalInt.empty();
    }
  }
}
