package dev.podshim.e2e.vm;

/** What one command printed and how it ended, on the host or in the VM. */
public record CommandResult(String command, int exitCode, String stdout, String stderr) {

  public boolean ok() {
    return exitCode == 0;
  }

  /** This result when the command succeeded; else an error that shows all of it. */
  public CommandResult orThrow() {
    if (!ok()) {
      throw new IllegalStateException(this.toString());
    }
    return this;
  }

  @Override
  public String toString() {
    return "`" + command + "` exited " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
  }
}
