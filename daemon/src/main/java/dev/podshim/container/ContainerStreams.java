package dev.podshim.container;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podshim.errors.Cleanup;
import dev.podshim.errors.CriException;
import dev.podshim.oci.Conmon;
import dev.podshim.oci.ConmonExec;
import dev.podshim.oci.ConmonExecSpec;
import dev.podshim.oci.OciException;
import dev.podshim.oci.OciRuntime;
import dev.podshim.os.OsException;
import dev.podshim.os.UnixSeqpacket;
import dev.podshim.store.Container;
import dev.podshim.store.ContainerStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streaming side of Exec and Attach: sessions on conmon attach sockets (see {@link
 * StreamSession}). An exec gets a conmon of its own in exec mode, which runs the command as
 * ExecSync does ({@code runtime exec} with the container's process spec); an attach connects to
 * the socket of the conmon that already holds the container's stdio.
 */
final class ContainerStreams {
  private static final Logger LOG = LoggerFactory.getLogger(ContainerStreams.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** conmon reports the exit code right after it closed the socket. */
  private static final Duration EXIT_REPORT_WAIT = Duration.ofSeconds(30);
  private static final Duration DETACH_POLL = Duration.ofMillis(200);

  private final Conmon conmon;
  private final ConmonMonitor monitor;

  ContainerStreams(Conmon conmon, ConmonMonitor monitor) {
    this.conmon = requireNonNull(conmon, "conmon");
    this.monitor = requireNonNull(monitor, "monitor");
  }

  /** Starts {@code cmd} in the running container {@code c}; returns once the process runs. */
  ProcessStreams exec(Container c, OciRuntime runtime, List<String> cmd, StreamOptions options, OutputSink output) {
    String execId = UUID.randomUUID().toString();
    Path dir = c.dir().resolve("exec").resolve(execId);
    try (Cleanup cleanup = new Cleanup("exec in container " + c.id())) {
      Files.createDirectories(dir);
      cleanup.push("remove exec directory", () -> dev.podshim.store.EntityStore.deleteTree(dir));
      Path processJson = dir.resolve("process.json");
      Files.write(processJson, JSON.writeValueAsBytes(ExecSync.process(c, cmd, options.tty(), options.terminalSize())));
      ConmonExecSpec spec = new ConmonExecSpec(c.id(), execId, runtime, dir, processJson, options.tty(),
          options.stdin());
      ConmonExec exec = conmon.exec(spec);
      cleanup.push("stop conmon", exec::close);
      StreamSession session = new StreamSession("exec-" + c.id().substring(0, 12), exec.socket(),
          options.tty() ? spec.controlFifo() : null, options, options.stdin(), output, new ExecEnd(exec, dir));
      // reading starts before the process does: conmon blocks while our socket is full, and with
      // a terminal it forwards output before it tells us the pid
      session.start();
      cleanup.commit(); // from here the session's thread frees the conmon and the directory
      try {
        long pid = exec.begin();
        LOG.atDebug().addKeyValue("container_id", c.id()).addKeyValue("exec_id", execId).addKeyValue("pid", pid)
            .addKeyValue("tty", options.tty()).log("exec started");
      } catch (RuntimeException | Error e) {
        session.close();
        throw e;
      }
      return session;
    } catch (OciException e) {
      throw CriException.internal("exec in container " + c.id() + ": " + e.getMessage(), e);
    } catch (IOException | OsException e) {
      throw CriException.internal("exec in container " + c.id() + ": " + e.getMessage(), e);
    }
  }

  /** Connects to the running container's stdio through its conmon. */
  ProcessStreams attach(Container c, StreamOptions options, OutputSink output) {
    ContainerStatus.State state = c.status().state();
    UnixSeqpacket socket;
    try {
      socket = UnixSeqpacket.connect(c.bundle().resolve("attach"));
    } catch (OsException e) {
      // the container exited and its conmon with it since we looked
      throw new CriException(CriException.Kind.FAILED_PRECONDITION, "attach to container " + c.id()
          + ": its monitor does not answer (" + e.getMessage() + "); is it still running? it was " + state, e);
    }
    boolean tty = c.metadata().config().tty();
    // conmon has a stdin for the container only when it was created with one
    boolean stdin = options.stdin() && c.metadata().config().stdin();
    AttachEnd end = new AttachEnd(c, socket);
    StreamSession session = new StreamSession("attach-" + c.id().substring(0, 12), socket,
        tty ? c.bundle().resolve("ctl") : null, new StreamOptions(stdin, options.stdout(), options.stderr(), tty),
        stdin, output, end);
    session.start();
    return session;
  }

  /** An exec ends when its process does; close kills it (and its process group). */
  private static final class ExecEnd implements StreamSession.End {
    private final ConmonExec exec;
    private final Path dir;

    ExecEnd(ConmonExec exec, Path dir) {
      this.exec = exec;
      this.dir = dir;
    }

    @Override
    public int exitCode() throws IOException, InterruptedException {
      return exec.awaitExit(EXIT_REPORT_WAIT);
    }

    @Override
    public void stop() {
      exec.kill();
    }

    @Override
    public void forceStop() {
      // a descendant outside the process group still holds the output pipes: conmon waits for it
      exec.killMonitor();
      exec.socket().shutdown();
    }

    @Override
    public void release() {
      exec.close();
      try {
        dev.podshim.store.EntityStore.deleteTree(dir);
      } catch (IOException e) {
        LOG.atWarn().addKeyValue("dir", dir).log("remove exec directory: {}", e.getMessage());
      }
    }
  }

  /** An attach ends when the container exits; close detaches and leaves it running. */
  private final class AttachEnd implements StreamSession.End {
    private final Container container;
    private final UnixSeqpacket socket;
    private volatile boolean detached;

    AttachEnd(Container container, UnixSeqpacket socket) {
      this.container = container;
      this.socket = socket;
    }

    @Override
    public int exitCode() throws IOException, InterruptedException {
      // conmon closes its readers just before it exits; the monitor then records the exit
      while (!detached && !monitor.awaitExit(container, DETACH_POLL)) {
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
      }
      if (container.status().state() == ContainerStatus.State.EXITED) {
        return container.status().exitCode();
      }
      throw new IOException("attach to container " + container.id() + ": "
          + (detached ? "detached" : "conmon closed the attach socket, the container still runs"));
    }

    @Override
    public void stop() {
      detached = true;
      socket.shutdown();
    }

    @Override
    public void forceStop() {
      stop();
    }

    @Override
    public void release() {
      socket.close();
    }
  }
}
