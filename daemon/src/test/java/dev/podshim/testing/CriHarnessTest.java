package dev.podshim.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of handler tests: a fresh {@link CriHarness} per test on its own state root, and after
 * each test the check that nothing is left on the node (pause, mount, sandbox dir, pod IP).
 */
public abstract class CriHarnessTest {
  @TempDir protected Path root;
  protected CriHarness cri;

  @BeforeEach
  void startHarness() throws Exception {
    cri = CriHarness.start(root);
  }

  @AfterEach
  void stopHarnessAndCheckForLeaks() throws Exception {
    cri.close();
    assertThat(NodeLeaks.of(root).empty()).as("left behind: %s", NodeLeaks.of(root)).isTrue();
    assertThat(cri.testNetwork.allocatedIps()).as("pod IPs still allocated").isEmpty();
  }
}
