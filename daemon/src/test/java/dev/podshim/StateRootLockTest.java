package dev.podshim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lock within one JVM; {@link OneDaemonPerRootTest} holds it across real daemon processes. */
class StateRootLockTest {
  @TempDir Path root;

  @Test
  void writesTheHoldersPidAndRefusesASecondHolderNamingRootAndPid() throws Exception {
    long pid = ProcessHandle.current().pid();
    try (StateRootLock held = StateRootLock.acquire(root)) {
      assertThat(root.resolve(StateRootLock.FILE_NAME)).hasContent(pid + "\n");

      assertThatThrownBy(() -> StateRootLock.acquire(root))
          .isInstanceOf(StateRootLock.InUseException.class)
          .hasMessage("state root " + root + " is in use by podshimd pid " + pid + "; refusing to start");
    }
  }

  @Test
  void closeReleasesTheRootAndANewHolderOverwritesAStalePid() throws Exception {
    StateRootLock.acquire(root).close();
    Files.writeString(root.resolve(StateRootLock.FILE_NAME), "99999999999\n");

    try (StateRootLock again = StateRootLock.acquire(root)) {
      assertThat(root.resolve(StateRootLock.FILE_NAME)).hasContent(ProcessHandle.current().pid() + "\n");
    }
  }
}
