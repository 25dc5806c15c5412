package dev.podshim.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podshim.cri.v1.ContainerConfig;
import dev.podshim.cri.v1.ContainerStatusRequest;
import dev.podshim.cri.v1.IDMapping;
import dev.podshim.cri.v1.Mount;
import dev.podshim.cri.v1.NamespaceMode;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.PodSandboxStatusRequest;
import dev.podshim.cri.v1.RemoveContainerRequest;
import dev.podshim.cri.v1.RuntimeHandler;
import dev.podshim.cri.v1.StatusRequest;
import dev.podshim.cri.v1.UserNamespace;
import dev.podshim.testing.Containers;
import dev.podshim.testing.Pods;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Pods with a user namespace of their own ({@code hostUsers: false}) through the CRI, on real
 * namespaces, mounts and runc: what the container sees, what the host sees, what is refused, and
 * that nothing is left once the pod is gone (the harness checks the node after each test).
 */
class UserNamespacePodTest extends ContainerHarnessTest {
  private static final int HOST = 2_000_000;
  private static final String USERNS = "config.linux.security_context.namespace_options.userns_options";

  @TempDir Path volume;

  private static IDMapping mapping(int container, int host, int length) {
    return IDMapping.newBuilder().setContainerId(container).setHostId(host).setLength(length).build();
  }

  private static PodSandboxConfig.Builder pod(String name, UserNamespace.Builder userns) {
    PodSandboxConfig.Builder pod = Pods.config(name);
    pod.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setUsernsOptions(userns);
    return pod;
  }

  private static ContainerConfig.Builder sleeper(UserNamespace.Builder userns) {
    ContainerConfig.Builder c = Containers.config("app", busybox, "sleep", "1000");
    c.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder()
        .setPid(NamespaceMode.CONTAINER).setUsernsOptions(userns);
    return c;
  }

  @Test
  void statusAnnouncesUserNamespacesForEveryHandlerHere() {
    List<RuntimeHandler> handlers = cri.runtime.status(StatusRequest.getDefaultInstance()).getRuntimeHandlersList();

    assertThat(handlers).extracting(RuntimeHandler::getName).contains("", "runc");
    assertThat(handlers).allSatisfy(h -> assertThat(h.getFeatures().getUserNamespaces()).as(h.getName()).isTrue());
  }

  @Test
  void theContainerIsRootInsideAnUnprivilegedHostIdOutsideAndOwnsItsFiles() throws Exception {
    pullBusybox();
    Files.writeString(volume.resolve("from-host"), "host");
    PodSandboxConfig.Builder pod = pod("userns", Pods.userNamespace(HOST));
    String podId = runPod(pod);
    ContainerConfig.Builder c = sleeper(Pods.userNamespace(HOST));
    c.addMounts(Mount.newBuilder().setContainerPath("/data").setHostPath(volume.toString()));
    String id = createAndStart(podId, pod, c);

    assertThat(out(id, "cat", "/proc/self/uid_map").split("\\s+")).containsExactly("0", "2000000", "65536");
    assertThat(out(id, "id", "-u")).isEqualTo("0");
    long pid = new ObjectMapper().readTree(cri.runtime.containerStatus(ContainerStatusRequest.newBuilder()
        .setContainerId(id).setVerbose(true).build()).getInfoOrThrow("info")).path("pid").asLong();
    assertThat(Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")))
        .contains("Uid:\t2000000\t2000000\t2000000\t2000000");
    long pausePid = new ObjectMapper().readTree(cri.runtime.podSandboxStatus(PodSandboxStatusRequest.newBuilder()
        .setPodSandboxId(podId).setVerbose(true).build()).getInfoOrThrow("info")).path("pid").asLong();
    assertThat(Files.readAllLines(Path.of("/proc", Long.toString(pausePid), "status")))
        .contains("Uid:\t2065535\t2065535\t2065535\t2065535");

    // the image's files and the volume read as root's, through the id-mapped layers and mount
    assertThat(out(id, "stat", "-c", "%u:%g", "/etc/passwd", "/bin", "/data", "/data/from-host"))
        .isEqualTo("0:0\n0:0\n0:0\n0:0");
    assertThat(out(id, "sh", "-c", "echo c > /data/from-pod && echo ok")).isEqualTo("ok");
    assertThat(Files.getAttribute(volume.resolve("from-pod"), "unix:uid")).isEqualTo(0);
    assertThat(out(id, "sh", "-c", "echo r > /root-file && stat -c %u /root-file")).isEqualTo("0");
    assertThat(out(id, "sh", "-c", "echo s > /dev/shm/f && cat /dev/shm/f /etc/hostname && test -r /etc/hosts"
        + " && test -r /etc/resolv.conf && ls /sys/class/net")).contains("s", "userns", "lo");
    assertThat(out(id, "sh", "-c", "ls /proc/1/ns >/dev/null && echo proc")).isEqualTo("proc");

    cri.runtime.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
    assertThat(root.resolve("containers").resolve(id)).doesNotExist();
    assertThat(dev.podshim.os.TestSupport.mountsUnder(root.resolve("images"))).isEmpty();
    assertThat(Files.readString(volume.resolve("from-host"))).isEqualTo("host"); // a volume is never deleted
  }

  @Test
  void hostIdsPast2To31WorkAsKubeletPicksThem() {
    pullBusybox();
    int high = (int) 3_000_000_000L; // uint32 on the wire
    PodSandboxConfig.Builder pod = pod("high", Pods.userNamespace(high));
    String id = createAndStart(runPod(pod), pod, sleeper(Pods.userNamespace(high)));

    assertThat(out(id, "cat", "/proc/self/uid_map").split("\\s+")).containsExactly("0", "3000000000", "65536");
    assertThat(out(id, "sh", "-c", "touch /new && stat -c %u /new")).isEqualTo("0");
  }

  static Stream<Arguments> badUserNamespaces() {
    return Stream.of(
        Arguments.of("two uid mappings", (Consumer<UserNamespace.Builder>) u -> u.addUids(mapping(70000, 3_000_000, 10)),
            USERNS + ".uids: exactly one mapping"),
        Arguments.of("no gid mapping", (Consumer<UserNamespace.Builder>) u -> u.clearGids(),
            USERNS + ".gids: exactly one mapping"),
        Arguments.of("container root unmapped", (Consumer<UserNamespace.Builder>) u -> u.setUids(0, mapping(1, HOST, 10)),
            USERNS + ".uids[0].container_id"),
        Arguments.of("host root mapped", (Consumer<UserNamespace.Builder>) u -> u.setGids(0, mapping(0, 0, 65536)),
            USERNS + ".gids[0].host_id: 0 would map host root"),
        Arguments.of("empty mapping", (Consumer<UserNamespace.Builder>) u -> u.setUids(0, mapping(0, HOST, 0)),
            USERNS + ".uids[0].length"),
        Arguments.of("past the last id", (Consumer<UserNamespace.Builder>) u -> u.setUids(0, mapping(0, -100, 65536)),
            USERNS + ".uids[0]: host ids"),
        Arguments.of("mode CONTAINER", (Consumer<UserNamespace.Builder>) u -> u.setMode(NamespaceMode.CONTAINER),
            USERNS + ".mode: CONTAINER is not supported"),
        Arguments.of("mode TARGET", (Consumer<UserNamespace.Builder>) u -> u.setMode(NamespaceMode.TARGET),
            USERNS + ".mode: TARGET is not supported"),
        Arguments.of("NODE with mappings", (Consumer<UserNamespace.Builder>) u -> u.setMode(NamespaceMode.NODE),
            USERNS + ": mode NODE takes no"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badUserNamespaces")
  void badMappingsAreRefusedNamingTheField(String what, Consumer<UserNamespace.Builder> breakIt, String message) {
    UserNamespace.Builder userns = Pods.userNamespace(HOST);
    breakIt.accept(userns);

    assertThatThrownBy(() -> runPod(pod("bad", userns))).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).startsWith(message);
    });
  }

  @Test
  void aUserNamespaceWithTheNodesNetworkIsRefused() {
    PodSandboxConfig.Builder pod = pod("hostnet", Pods.userNamespace(HOST));
    pod.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setNetwork(NamespaceMode.NODE);

    assertThatThrownBy(() -> runPod(pod)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).startsWith(USERNS + ": mode POD needs the pod's own");
    });
  }

  static Stream<Arguments> disagreeingContainers() {
    String field = "config.linux.security_context.namespace_options.userns_options";
    return Stream.of(
        Arguments.of("other uids", Pods.userNamespace(HOST).setUids(0, mapping(0, HOST + 65536, 65536)), field + ".uids"),
        Arguments.of("other gids", Pods.userNamespace(HOST).setGids(0, mapping(0, HOST + 65536, 65536)), field + ".gids"),
        Arguments.of("the node's", UserNamespace.newBuilder().setMode(NamespaceMode.NODE), field + ".mode: NODE"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("disagreeingContainers")
  void aContainerDisagreeingWithItsPodIsRefused(String what, UserNamespace.Builder containerUserns, String message) {
    pullBusybox();
    PodSandboxConfig.Builder pod = pod("disagree", Pods.userNamespace(HOST));
    String podId = runPod(pod);

    assertThatThrownBy(() -> create(podId, pod, sleeper(containerUserns)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains(message);
        });
    assertThat(dev.podshim.os.TestSupport.mountsUnder(root.resolve("images"))).isEmpty();
  }

  @Test
  void aMountMappedOtherwiseThanThePodIsRefused() {
    pullBusybox();
    PodSandboxConfig.Builder pod = pod("mountmap", Pods.userNamespace(HOST));
    String podId = runPod(pod);
    ContainerConfig.Builder c = sleeper(Pods.userNamespace(HOST));
    c.addMounts(Mount.newBuilder().setContainerPath("/data").setHostPath(volume.toString())
        .addUidMappings(mapping(0, HOST + 1, 65536)).addGidMappings(mapping(0, HOST, 65536)));

    assertThatThrownBy(() -> create(podId, pod, c)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).startsWith("config.mounts[0].uid_mappings: differ");
    });
  }
}
