package dev.podshim.container;

import org.jspecify.annotations.Nullable;

/**
 * Which of a streamed process's stdio the client asked for, and whether it runs on a terminal
 * (then stderr is merged into stdout, so tty and stderr are never both set).
 *
 * @param terminalSize the client's terminal size when it sent one before the process starts, so
 *     that the terminal is made that size (a program reading it at once, like {@code stty size},
 *     sees it); null for the default 80x24 until the first resize
 */
public record StreamOptions(boolean stdin, boolean stdout, boolean stderr, boolean tty,
    @Nullable TerminalSize terminalSize) {
  public StreamOptions {
    if (tty && stderr) {
      throw new IllegalArgumentException("tty and stderr cannot both be set");
    }
  }

  public StreamOptions(boolean stdin, boolean stdout, boolean stderr, boolean tty) {
    this(stdin, stdout, stderr, tty, null);
  }

  public StreamOptions withTerminalSize(TerminalSize size) {
    return new StreamOptions(stdin, stdout, stderr, tty, size);
  }

  /** A terminal's size in columns and rows. */
  public record TerminalSize(int width, int height) {}
}
