package dev.podshim.network;

import static java.nio.charset.StandardCharsets.US_ASCII;

import dev.podshim.os.OsException;
import dev.podshim.os.Pidfd;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CNI plugins still running for a sandbox after the daemon that started them died. Recovery's DEL
 * for a sandbox whose ADD never finished must not race that ADD: an ADD completing after the DEL
 * would leave its IP and veth behind. Plugins are found by the {@code CNI_CONTAINERID} in their
 * environment, which their own children inherit too.
 */
final class StrayPlugins {
  private static final Logger LOG = LoggerFactory.getLogger(StrayPlugins.class);
  private static final long EXIT_WAIT_MILLIS = 2_000;

  private StrayPlugins() {}

  /** SIGKILLs every process whose environment names this container, waits for them; returns how many. */
  static int kill(String containerId) {
    byte[] marker = ("CNI_CONTAINERID=" + containerId + "\0").getBytes(US_ASCII);
    long self = ProcessHandle.current().pid();
    int killed = 0;
    try (DirectoryStream<Path> procs =
        Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
      for (Path proc : procs) {
        long pid = Long.parseLong(proc.getFileName().toString());
        if (pid != self && hasEntry(environ(proc), marker) && killAndAwait(pid, proc, marker)) {
          killed++;
        }
      }
    } catch (IOException e) {
      LOG.atWarn().setCause(e).addKeyValue("sandbox_id", containerId).log("scan for stray CNI plugins failed");
    }
    if (killed > 0) {
      LOG.atWarn().addKeyValue("sandbox_id", containerId).addKeyValue("processes", killed)
          .log("killed CNI plugin processes a previous daemon left running");
    }
    return killed;
  }

  private static boolean killAndAwait(long pid, Path proc, byte[] marker) {
    try (Pidfd pidfd = Pidfd.open(pid)) {
      if (!hasEntry(environ(proc), marker)) {
        return false; // the pid was reused between the scan and the open
      }
      pidfd.signal(Pidfd.SIGKILL);
      long deadline = System.nanoTime() + EXIT_WAIT_MILLIS * 1_000_000;
      while (pidfd.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      pidfd.tryReap(); // ours only when it was reparented to this daemon, the subreaper
      return true;
    } catch (OsException e) {
      return false; // exited meanwhile
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  private static byte[] environ(Path proc) {
    try {
      return Files.readAllBytes(proc.resolve("environ"));
    } catch (IOException e) {
      return new byte[0]; // exited, or a kernel thread
    }
  }

  /** Whether {@code entry} (NUL-terminated) is one of the NUL-separated entries of {@code environ}. */
  static boolean hasEntry(byte[] environ, byte[] entry) {
    for (int at = 0; at + entry.length <= environ.length; ) {
      if (Arrays.equals(environ, at, at + entry.length, entry, 0, entry.length)) {
        return true;
      }
      int nul = indexOf(environ, (byte) 0, at);
      if (nul < 0) {
        return false;
      }
      at = nul + 1;
    }
    return false;
  }

  private static int indexOf(byte[] bytes, byte b, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
