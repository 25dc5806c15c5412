package dev.podshim.container;

/**
 * Which of a streamed process's stdio the client asked for, and whether it runs on a terminal
 * (then stderr is merged into stdout, so tty and stderr are never both set).
 */
public record StreamOptions(boolean stdin, boolean stdout, boolean stderr, boolean tty) {
  public StreamOptions {
    if (tty && stderr) {
      throw new IllegalArgumentException("tty and stderr cannot both be set");
    }
  }
}
