package dev.podshim.e2e.vm;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * ssh and scp to a VM as root, with the image's key and a strict known_hosts entry. One master
 * connection is kept open and shared: a key exchange costs a second or more in the emulated guest,
 * and a test sends many commands.
 */
final class Ssh {
  private final VmImage image;
  private final int port;
  private final Path controlSocket;

  Ssh(VmImage image, int port, Path controlSocket) {
    this.image = image;
    this.port = port;
    this.controlSocket = controlSocket;
  }

  /** Runs {@code command} with the guest root's shell. */
  CommandResult run(String command, Duration timeout) throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>(List.of("ssh", "-p", Integer.toString(port)));
    argv.addAll(options());
    argv.addAll(List.of("root@127.0.0.1", command));
    CommandResult result = HostCommand.run(argv, timeout);
    // show the command as the test wrote it, not the ssh plumbing
    return new CommandResult(command, result.exitCode(), result.stdout(), result.stderr());
  }

  void copy(Path local, String remote, Duration timeout) throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>(List.of("scp", "-q", "-P", Integer.toString(port)));
    argv.addAll(options());
    argv.addAll(List.of(local.toString(), "root@127.0.0.1:" + remote));
    HostCommand.run(argv, timeout).orThrow();
  }

  /** Ends the shared connection (it would end with the VM anyway). */
  void close() throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>(List.of("ssh", "-p", Integer.toString(port)));
    argv.addAll(options());
    argv.addAll(List.of("-O", "exit", "root@127.0.0.1"));
    HostCommand.run(argv, Duration.ofSeconds(10));
  }

  /** ServerAliveCountMax 20: ssh waits 5 minutes for a guest under emulation that stalls, not 2. */
  private List<String> options() {
    return List.of("-i", image.sshKey().toString(), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
        "-o", "HostKeyAlias=" + VmImage.HOST_KEY_ALIAS, "-o", "UserKnownHostsFile=" + image.knownHosts(),
        "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=15",
        "-o", "ServerAliveCountMax=20", "-o", "LogLevel=ERROR",
        "-o", "ControlMaster=auto", "-o", "ControlPath=" + controlSocket, "-o", "ControlPersist=yes");
  }
}
