package dev.podshim.sandbox;

import static java.util.Objects.requireNonNull;

import dev.podshim.os.Pidfd;
import dev.podshim.os.Prctl;
import dev.podshim.os.ProcStat;
import dev.podshim.os.TestSupport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Launches pause processes for a test and kills and reaps every one of them at the end. Makes
 * the test JVM a child subreaper, as the daemon is, so pause processes become its children.
 */
final class Pauses implements AutoCloseable {

  private final Path binary;
  private final PauseLauncher launcher;
  private final List<Pidfd> launched = new ArrayList<>();

  Pauses(Path binary) {
    this.binary = requireNonNull(binary, "binary");
    this.launcher = new PauseLauncher(binary);
    Prctl.setChildSubreaper();
  }

  PauseProcess launch(PauseSpec spec) {
    PauseProcess pause = launcher.launch(spec);
    Pidfd pidfd = Pidfd.open(pause.pid());
    launched.add(pidfd);
    if (ProcStat.startTime(pause.pid()).orElse(-1) != pause.startTime()) {
      throw new AssertionError("pid " + pause.pid() + " is no longer " + pause);
    }
    return pause;
  }

  /** The pidfd opened for {@code pause} right after it was launched. */
  Pidfd pidfd(PauseProcess pause) {
    return launched.stream()
        .filter(p -> p.pid() == pause.pid())
        .findFirst()
        .orElseThrow(() -> new AssertionError("not launched here: " + pause));
  }

  /** Processes now running the pause binary of this test. */
  List<Long> running() {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().command().filter(binary.toString()::equals).isPresent())
        .map(ProcessHandle::pid)
        .toList();
  }

  @Override
  public void close() {
    launched.forEach(TestSupport::killAndReap);
    launched.clear();
  }
}
