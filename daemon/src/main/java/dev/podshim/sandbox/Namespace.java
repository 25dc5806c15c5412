package dev.podshim.sandbox;

import java.util.Locale;

/** The namespaces a pause process can own. USER, when there is one, owns the others. */
public enum Namespace {
  NET,
  IPC,
  UTS,
  PID,
  USER;

  /** The name under /proc/&lt;pid&gt;/ns/. */
  public String procName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
