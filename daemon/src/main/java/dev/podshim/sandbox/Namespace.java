package dev.podshim.sandbox;

import java.util.Locale;

/** The namespaces a pause process can own. */
public enum Namespace {
  NET,
  IPC,
  UTS,
  PID;

  /** The name under /proc/&lt;pid&gt;/ns/. */
  public String procName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
