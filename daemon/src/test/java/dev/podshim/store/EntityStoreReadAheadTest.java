package dev.podshim.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EntityStoreReadAheadTest {
  @TempDir Path root;

  private static String id(char c) {
    return String.valueOf(c).repeat(64);
  }

  private void seed(char... ids) {
    SandboxStore store = new SandboxStore(root);
    for (char c : ids) {
      store.create(new SandboxMetadata(id(c), "pod-" + c, SandboxConfig.unreadable(id(c)), 1L, ""))
          .updateStatus(s -> s.asCreated().withExit(2L, 0));
    }
  }

  @Test
  void loadAllReturnsWhatTheReadAheadReadAndIndexesIt() {
    seed('a', 'b', 'c');
    SandboxStore restarted = new SandboxStore(root);
    restarted.readAhead();
    var loaded = restarted.loadAll();
    assertThat(loaded).extracting(l -> l.entity().id()).containsExactlyInAnyOrder(id('a'), id('b'), id('c'));
    assertThat(restarted.get("b").metadata().name()).isEqualTo("pod-b");
    assertThat(restarted.get(id('c')).status().exitedAtNanos()).isEqualTo(2L);
  }

  @Test
  void aLaterLoadAllReadsTheDiskAgain() throws Exception {
    seed('a');
    SandboxStore restarted = new SandboxStore(root);
    restarted.readAhead();
    assertThat(restarted.loadAll()).hasSize(1);
    seed('d');
    assertThat(restarted.loadAll()).extracting(l -> l.entity().id()).containsExactlyInAnyOrder(id('a'), id('d'));
  }

  @Test
  void anUnreadableDirectoryComesBackAsAFailureFromTheReadAhead() throws Exception {
    seed('a');
    Files.writeString(root.resolve("sandboxes").resolve(id('a')).resolve("meta.json"), "{ not json");
    SandboxStore restarted = new SandboxStore(root);
    restarted.readAhead();
    var loaded = restarted.loadAll();
    assertThat(loaded).hasSize(1);
    assertThat(loaded.getFirst().entity()).isNull();
    assertThat(loaded.getFirst().failure()).isNotNull();
  }
}
