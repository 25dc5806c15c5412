package dev.podshim.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.container.OutputSink;
import dev.podshim.container.ProcessStreams;
import dev.podshim.container.StreamOptions;
import dev.podshim.cri.v1.ContainerState;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.errors.CriException;
import dev.podshim.testing.Containers;
import dev.podshim.testing.NodeLeaks;
import dev.podshim.testing.Pods;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Exec and Attach for the streaming server, through real conmon (exec mode and the container's
 * attach socket) and runc, in real pods with the busybox image.
 */
class StreamingContainersTest extends ContainerHarnessTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final StreamOptions OUT_ERR = new StreamOptions(false, true, true, false);
  private static final StreamOptions IN_OUT_ERR = new StreamOptions(true, true, true, false);
  private static final StreamOptions TTY_IN = new StreamOptions(true, true, false, true);

  private PodSandboxConfig.Builder pod;
  private String podId;

  @BeforeEach
  void podAndImage() {
    pullBusybox();
    pod = Pods.config("streams");
    podId = runPod(pod);
  }

  private String running(String... command) {
    return createAndStart(podId, pod, Containers.config("main", busybox, command));
  }

  @Test
  void execSeparatesStdoutAndStderrAndReturnsTheExitCode() throws Exception {
    String id = running("sleep", "1000");
    Sink sink = new Sink();
    try (ProcessStreams exec = cri.containers.exec(id, List.of("sh", "-c", "echo out; echo err >&2; exit 3"),
        OUT_ERR, sink)) {
      assertThat(exec.awaitExit()).isEqualTo(3);
    }
    assertThat(sink.out()).isEqualTo("out\n");
    assertThat(sink.err()).isEqualTo("err\n");
    assertNoExecLeft(id);
  }

  @Test
  void execPipesStdinUntilTheClientClosesIt() throws Exception {
    String id = running("sleep", "1000");
    Sink sink = new Sink();
    try (ProcessStreams exec = cri.containers.exec(id, List.of("cat"), IN_OUT_ERR, sink)) {
      exec.stdin(bytes("hello\n"), 0, 6);
      sink.await(s -> s.equals("hello\n"));
      byte[] big = "0123456789abcdef".repeat(4096).getBytes(StandardCharsets.US_ASCII); // 64 KiB, several messages
      exec.stdin(big, 0, big.length);
      exec.stdin(bytes("world\n"), 0, 6);
      exec.closeStdin();
      // the half-close ends cat's input and the rest of its output still arrives
      assertThat(exec.awaitExit()).isZero();
      assertThat(sink.out()).isEqualTo("hello\n" + new String(big, StandardCharsets.US_ASCII) + "world\n");
    }
    assertNoExecLeft(id);
  }

  @Test
  void execOnATerminalMergesStderrAndFollowsResizes() throws Exception {
    String id = running("sleep", "1000");
    Sink sink = new Sink();
    String script = "echo err >&2; busybox stty size; while read l; do [ \"$l\" = q ] && exit 4; busybox stty size; done";
    try (ProcessStreams exec = cri.containers.exec(id, List.of("sh", "-c", script), TTY_IN, sink)) {
      sink.await(s -> s.contains("24 80"));
      exec.resize(100, 40);
      // the resize and stdin travel different ways to conmon: ask until the new size shows
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!sink.out().contains("40 100") && System.nanoTime() < deadline) {
        exec.stdin(bytes("\n"), 0, 1);
        Thread.sleep(50);
      }
      exec.stdin(bytes("q\n"), 0, 2);
      assertThat(exec.awaitExit()).isEqualTo(4);
    }
    assertThat(sink.out()).contains("err\r\n").contains("24 80\r\n").contains("40 100\r\n");
    assertThat(sink.err()).isEmpty();
    assertNoExecLeft(id);
  }

  @Test
  void execStreamsLargeOutputWhole() throws Exception {
    String id = running("sleep", "1000");
    AtomicLong count = new AtomicLong();
    OutputSink counting = new OutputSink() {
      @Override
      public void stdout(byte[] data, int offset, int length) {
        count.addAndGet(length);
      }

      @Override
      public void stderr(byte[] data, int offset, int length) {
        throw new AssertionError("stderr: " + new String(data, offset, length, StandardCharsets.UTF_8));
      }
    };
    try (ProcessStreams exec = cri.containers.exec(id, List.of("head", "-c", "20000000", "/dev/zero"), OUT_ERR,
        counting)) {
      assertThat(exec.awaitExit()).isZero();
    }
    assertThat(count.get()).isEqualTo(20_000_000L);
    assertNoExecLeft(id);
  }

  @Test
  void aSinkThatFailsGetsNothingMoreButTheProcessRunsToItsEnd() throws Exception {
    String id = running("sleep", "1000");
    AtomicLong calls = new AtomicLong();
    OutputSink gone = new OutputSink() {
      @Override
      public void stdout(byte[] data, int offset, int length) throws IOException {
        calls.incrementAndGet();
        throw new IOException("client went away");
      }

      @Override
      public void stderr(byte[] data, int offset, int length) throws IOException {
        stdout(data, offset, length);
      }
    };
    // far more than the socket buffers: conmon would block for ever if the session stopped reading
    try (ProcessStreams exec = cri.containers.exec(id, List.of("sh", "-c", "head -c 5000000 /dev/zero; exit 9"),
        OUT_ERR, gone)) {
      assertThat(exec.awaitExit()).isEqualTo(9);
    }
    assertThat(calls.get()).isEqualTo(1);
    assertNoExecLeft(id);
  }

  @Test
  void closeKillsTheExecedProcessAndWhatItStarted() throws Exception {
    String id = running("sleep", "1000");
    Sink sink = new Sink();
    // numbers no other test on the node uses, to find exactly these processes among the host's
    String child = "sleep " + (4_000_000 + ProcessHandle.current().pid());
    String leader = "sleep " + (5_000_000 + ProcessHandle.current().pid());
    ProcessStreams exec = cri.containers.exec(id, List.of("sh", "-c", child + " & echo started; " + leader),
        OUT_ERR, sink);
    sink.await(s -> s.contains("started"));
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (hostProcesses(child + "|" + leader).size() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(10); // sh forks and execs them a moment after it wrote
    }
    assertThat(hostProcesses(child + "|" + leader)).hasSize(2);
    exec.close();
    exec.close(); // idempotent
    assertThat(exec.awaitExit()).as("killed").isEqualTo(137);
    assertThat(hostProcesses(child + "|" + leader)).isEmpty();
    assertThat(Containers.status(cri.runtime, id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    assertNoExecLeft(id);
  }

  @Test
  void execRefusesBadRequestsAndStoppedContainers() throws Exception {
    String id = running("sleep", "1000");
    assertKind(() -> cri.containers.exec("nope", List.of("true"), OUT_ERR, new Sink()), CriException.Kind.NOT_FOUND);
    assertKind(() -> cri.containers.exec(id, List.of(), OUT_ERR, new Sink()), CriException.Kind.INVALID_ARGUMENT);
    assertKind(() -> cri.containers.exec(id, List.of("echo", "a\0b"), OUT_ERR, new Sink()),
        CriException.Kind.INVALID_ARGUMENT);
    assertThatThrownBy(() -> cri.containers.exec(id, List.of("no-such-command"), OUT_ERR, new Sink()))
        .isInstanceOfSatisfying(CriException.class, e -> {
          assertThat(e.kind()).isEqualTo(CriException.Kind.INTERNAL);
          assertThat(e.getMessage()).contains("no-such-command");
        });
    assertNoExecLeft(id);
    String created = create(podId, pod, Containers.config("idle", busybox, "sleep", "1000"));
    assertKind(() -> cri.containers.exec(created, List.of("true"), OUT_ERR, new Sink()),
        CriException.Kind.FAILED_PRECONDITION);
    assertKind(() -> cri.containers.attach(created, OUT_ERR, new Sink()), CriException.Kind.FAILED_PRECONDITION);
    assertKind(() -> cri.containers.attach("nope", OUT_ERR, new Sink()), CriException.Kind.NOT_FOUND);
  }

  @Test
  void attachSendsStdinDetachesAndReportsTheExit() throws Exception {
    String id = createAndStart(podId, pod, Containers.config("reader", busybox, "sh", "-c",
        "while read l; do echo \"got $l\"; echo \"err $l\" >&2; [ \"$l\" = quit ] && exit 5; done").setStdin(true));
    Sink first = new Sink();
    try (ProcessStreams attach = cri.containers.attach(id, IN_OUT_ERR, first)) {
      attach.stdin(bytes("a\n"), 0, 2);
      first.await(s -> s.contains("got a\n"));
      first.awaitErr(s -> s.contains("err a\n"));
    }
    // detached: the container runs on, and its stdin stays open (no stdin_once)
    assertThat(Containers.status(cri.runtime, id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);

    Sink second = new Sink();
    try (ProcessStreams attach = cri.containers.attach(id, IN_OUT_ERR, second)) {
      attach.stdin(bytes("b\n"), 0, 2);
      second.await(s -> s.contains("got b\n"));
      attach.stdin(bytes("quit\n"), 0, 5);
      assertThat(attach.awaitExit()).isEqualTo(5);
    }
    assertThat(second.out()).isEqualTo("got b\ngot quit\n").doesNotContain("got a");
    assertThat(second.err()).isEqualTo("err b\nerr quit\n");
    assertThat(Containers.status(cri.runtime, id).getExitCode()).isEqualTo(5);
  }

  @Test
  void attachToATerminalFollowsResizes() throws Exception {
    String id = createAndStart(podId, pod, Containers.config("shell", busybox, "sh").setStdin(true).setTty(true));
    Sink sink = new Sink();
    try (ProcessStreams attach = cri.containers.attach(id, TTY_IN, sink)) {
      attach.resize(100, 40);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!sink.out().contains("40 100") && System.nanoTime() < deadline) {
        attach.stdin(bytes("busybox stty size\n"), 0, 18);
        Thread.sleep(100);
      }
      assertThat(sink.out()).contains("40 100");
      attach.stdin(bytes("exit 6\n"), 0, 7);
      assertThat(attach.awaitExit()).isEqualTo(6);
    }
  }

  @Test
  void attachWithStdinOnceClosesTheContainersStdinAtTheFirstEnd() throws Exception {
    String id = createAndStart(podId, pod, Containers.config("once", busybox, "sh", "-c", "cat; echo eof; exit 7")
        .setStdin(true).setStdinOnce(true));
    Sink sink = new Sink();
    try (ProcessStreams attach = cri.containers.attach(id, IN_OUT_ERR, sink)) {
      attach.stdin(bytes("x\n"), 0, 2);
      sink.await(s -> s.equals("x\n"));
      attach.closeStdin();
      assertThat(attach.awaitExit()).isEqualTo(7);
    }
    assertThat(sink.out()).isEqualTo("x\neof\n");
  }

  @Test
  void awaitExitAfterDetachFailsAndLeavesTheContainerRunning() throws Exception {
    String id = running("sh", "-c", "while true; do echo tick; sleep 0.1; done");
    Sink sink = new Sink();
    ProcessStreams attach = cri.containers.attach(id, OUT_ERR, sink);
    sink.await(s -> s.contains("tick\n"));
    attach.close();
    assertThatThrownBy(attach::awaitExit).isInstanceOf(IOException.class).hasMessageContaining("detached");
    assertThat(Containers.status(cri.runtime, id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
  }

  private void assertNoExecLeft(String id) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    Path execDir = cri.containers.get(id).dir().resolve("exec");
    while (System.nanoTime() < deadline && (NodeLeaks.conmonsOf(root).size() > conmonsOfContainers()
        || !emptyDir(execDir) || !runcs().isEmpty())) {
      Thread.sleep(20);
    }
    assertThat(NodeLeaks.conmonsOf(root)).as("only the containers' own conmons").hasSize(conmonsOfContainers());
    assertThat(emptyDir(execDir)).as("exec directories removed: %s", execDir).isTrue();
    assertThat(runcs()).as("runc processes of this state root").isEmpty();
  }

  private List<Long> runcs() throws IOException {
    // the program itself, not the conmons that name it as their --runtime
    return hostProcesses("\\S*/runc --root=" + java.util.regex.Pattern.quote(root.toString()) + ".*");
  }

  private int conmonsOfContainers() {
    return (int) cri.containers.list(dev.podshim.container.ContainerFilter.all()).stream()
        .filter(c -> c.status().state() == dev.podshim.store.ContainerStatus.State.RUNNING
            || c.status().state() == dev.podshim.store.ContainerStatus.State.CREATED).count();
  }

  private static boolean emptyDir(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return true;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      return !entries.iterator().hasNext();
    }
  }

  /** Host processes whose command line matches {@code regex}. */
  static List<Long> hostProcesses(String regex) throws IOException {
    List<Long> pids = new ArrayList<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"),
        p -> p.getFileName().toString().matches("\\d+"))) {
      for (Path proc : procs) {
        try {
          String cmdline = Files.readString(proc.resolve("cmdline")).replace('\0', ' ').trim();
          String stat = Files.readString(proc.resolve("stat"));
          if (cmdline.matches(regex) && stat.charAt(stat.lastIndexOf(')') + 2) != 'Z') {
            pids.add(Long.parseLong(proc.getFileName().toString()));
          }
        } catch (IOException e) {
          // exited meanwhile
        }
      }
    }
    return pids;
  }

  private static void assertKind(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, CriException.Kind kind) {
    assertThatThrownBy(call).isInstanceOfSatisfying(CriException.class, e -> assertThat(e.kind()).isEqualTo(kind));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Collects what a session sends; waits for what a test expects. */
  static final class Sink implements OutputSink {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Override
    public synchronized void stdout(byte[] data, int offset, int length) {
      out.write(data, offset, length);
      notifyAll();
    }

    @Override
    public synchronized void stderr(byte[] data, int offset, int length) {
      err.write(data, offset, length);
      notifyAll();
    }

    synchronized String out() {
      return out.toString(StandardCharsets.UTF_8);
    }

    synchronized String err() {
      return err.toString(StandardCharsets.UTF_8);
    }

    void await(Predicate<String> stdout) throws InterruptedException {
      awaitText(stdout, true);
    }

    void awaitErr(Predicate<String> stderr) throws InterruptedException {
      awaitText(stderr, false);
    }

    private synchronized void awaitText(Predicate<String> test, boolean stdout) throws InterruptedException {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!test.test(stdout ? out() : err())) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          throw new AssertionError("not seen within " + WAIT.toSeconds() + "s; stdout \"" + out() + "\", stderr \""
              + err() + "\"");
        }
        wait(left);
      }
    }
  }
}
