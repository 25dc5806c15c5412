package dev.podshim.sandbox;

/**
 * A running pause process. The start time (clock ticks since boot, from /proc/&lt;pid&gt;/stat)
 * tells it apart from a later process that reuses the pid.
 */
public record PauseProcess(long pid, long startTime) {}
