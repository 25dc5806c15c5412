package dev.podshim.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start-up probe: a handler is announced only when the node and its runtime pass. The real
 * runc is one runtime; scripts answering {@code features} as other runtimes would are the others
 * (a fake at the process boundary, with runc as the real counterpart).
 */
class UserNamespaceSupportTest {
  @TempDir static Path stateRoot;
  @TempDir Path dir;

  private Path runtime(String name, String script) throws IOException {
    Path binary = dir.resolve(name);
    Files.writeString(binary, "#!/bin/sh\n" + script + "\n");
    Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwxr-xr-x"));
    return binary;
  }

  @Test
  void eachHandlerIsProbedAndTheDefaultFollowsItsHandler() throws IOException {
    Files.setPosixFilePermissions(stateRoot, PosixFilePermissions.fromString("rwx--x--x"));
    Path pause = PauseLauncher.installBinary(stateRoot);
    Path old = runtime("old", "echo 'unknown command features' >&2; exit 1");
    Path nouser = runtime("nouser", "echo '{\"linux\":{\"namespaces\":[\"mount\",\"network\"]}}'");

    UserNamespaceSupport support = UserNamespaceSupport.probe(pause, stateRoot,
        Map.of("runc", Path.of("/usr/sbin/runc"), "old", old, "nouser", nouser), "old");

    assertThat(support.supports("runc")).isTrue();
    assertThat(support.refusal("runc")).isEmpty();
    assertThat(support.supports("old")).isFalse();
    assertThat(support.refusal("old")).contains("features: exited 1", "unknown command features");
    assertThat(support.supports("")).isFalse();
    assertThat(support.supports("nouser")).isFalse();
    assertThat(support.refusal("nouser")).contains("lists no user namespace");
    assertThat(support.supports("missing")).isFalse();
  }

  @Test
  void aStateRootAnUnprivilegedIdCannotReachIsRefused() throws IOException {
    Path hidden = Files.createDirectory(dir.resolve("hidden"));
    Files.setPosixFilePermissions(hidden, PosixFilePermissions.fromString("rwx------"));
    Path root = Files.createDirectory(hidden.resolve("root"));

    assertThat(UserNamespaceSupport.searchableRefusal(root)).startsWith(hidden + " is not searchable by others");
    Files.setPosixFilePermissions(hidden, PosixFilePermissions.fromString("rwx--x--x"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    assertThat(UserNamespaceSupport.searchableRefusal(root)).isEmpty();
  }

  @Test
  void pauseProbesIdMappedMountsOnEachPath() {
    Path pause = PauseLauncher.installBinary(stateRoot);

    assertThat(UserNamespaceSupport.kernelRefusal(pause, stateRoot)).isEmpty();
  }
}
