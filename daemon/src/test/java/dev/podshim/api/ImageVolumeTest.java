package dev.podshim.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.cri.v1.ContainerConfig;
import dev.podshim.cri.v1.ExecSyncResponse;
import dev.podshim.cri.v1.ImageFsInfoRequest;
import dev.podshim.cri.v1.ImageSpec;
import dev.podshim.cri.v1.ImageStatusRequest;
import dev.podshim.cri.v1.ListContainersRequest;
import dev.podshim.cri.v1.Mount;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.PullImageRequest;
import dev.podshim.cri.v1.RemoveContainerRequest;
import dev.podshim.cri.v1.RemoveImageRequest;
import dev.podshim.testing.Containers;
import dev.podshim.testing.NodeLeaks;
import dev.podshim.testing.Pods;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Image volumes (CRI Mount.image) through the handlers, under real runc: what the container sees,
 * one shared read-only mount per image, sub paths, bad input, RemoveImage while mounted, cleanup.
 */
class ImageVolumeTest extends ContainerHarnessTest {
  private static String data;

  private PodSandboxConfig.Builder pod;
  private String podId;
  private String dataId;

  @BeforeAll
  static void pushData() throws Exception {
    data = registry.pushVolumeData("test/data", "1");
  }

  @BeforeEach
  void podAndImages() {
    pullBusybox();
    cri.images.pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(data)).build());
    dataId = imageId(data);
    pod = Pods.config("vol");
    podId = runPod(pod);
  }

  /** A sleeping busybox container with one image volume at /vol, as kubelet sends it: by id, read-only. */
  private ContainerConfig.Builder withVolume(String name, String image, UnaryOperator<Mount.Builder> more) {
    return Containers.config(name, busybox, "sleep", "1000").addMounts(more.apply(Mount.newBuilder()
        .setContainerPath("/vol").setImage(ImageSpec.newBuilder().setImage(image)).setReadonly(true)));
  }

  private String run(ContainerConfig.Builder config) {
    return createAndStart(podId, pod, config);
  }

  @Test
  void theContainerReadsBothLayersAndCannotWrite() throws Exception {
    String id = run(withVolume("reader", dataId, m -> m));
    assertThat(out(id, "cat", "/vol/data/hello.txt")).isEqualTo("hello from an image volume");
    assertThat(out(id, "cat", "/vol/data/second.txt")).as("the second layer").isEqualTo("from the second layer");
    ExecSyncResponse write = exec(id, 10, "sh", "-c", "echo x > /vol/data/new");
    assertThat(write.getExitCode()).isNotZero();
    assertThat(write.getStderr().toStringUtf8()).contains("Read-only file system");
    assertThat(exec(id, 10, "sh", "-c", "echo x > /tmp/rootfs-still-writable").getExitCode()).isZero();
  }

  /**
   * In a pod of its own user namespace the volume stays a plain read-only bind (overlayfs takes no
   * id mapping): the image's files show as the overflow id and are readable, as containerd serves them.
   */
  @Test
  void aPodInAUserNamespaceReadsTheVolume() throws Exception {
    PodSandboxConfig.Builder userPod = Pods.config("vol-userns");
    userPod.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder()
        .setUsernsOptions(Pods.userNamespace(2_300_000));
    String userPodId = runPod(userPod);
    ContainerConfig.Builder config = withVolume("userns-reader", dataId, m -> m);
    config.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder()
        .setUsernsOptions(Pods.userNamespace(2_300_000));
    String id = createAndStart(userPodId, userPod, config);

    assertThat(out(id, "cat", "/vol/data/hello.txt")).isEqualTo("hello from an image volume");
    assertThat(out(id, "sh", "-c", "id -u; cat /proc/self/uid_map")).startsWith("0\n").contains("2300000");
    assertThat(exec(id, 10, "sh", "-c", "echo x > /vol/data/new").getExitCode()).isNotZero();
    remove(id);
    assertThat(volumeMounts()).isEmpty();
  }

  /** Upstream dropped noexec as a default (KEP-4639); the client's mount_options noexec still applies. */
  @Test
  void programsOfTheImageRunUnlessTheClientAsksNoexec() {
    String plain = run(withVolume("exec", imageId(busybox), m -> m));
    assertThat(out(plain, "/vol/bin/busybox", "echo", "ran")).isEqualTo("ran");
    String noexec = run(withVolume("noexec", imageId(busybox), m -> m.addMountOptions("noexec")));
    ExecSyncResponse refused = exec(noexec, 10, "/vol/bin/busybox", "echo", "ran");
    assertThat(refused.getExitCode()).isNotZero();
    assertThat(refused.getStdout().toStringUtf8()).doesNotContain("ran");
  }

  @Test
  void containersShareOneMountThatGoesWithTheLast() throws Exception {
    String a = run(withVolume("a", dataId, m -> m));
    String b = run(withVolume("b", data, m -> m.setImageSubPath("data")));
    assertThat(volumeMounts()).as("one mount for both").hasSize(1);
    Mount reported = Containers.status(cri.runtime, b).getMounts(0);
    assertThat(reported.getImage().getImage()).as("ContainerStatus, as the client sent it").isEqualTo(data);
    assertThat(reported.getImageSubPath()).isEqualTo("data");
    assertThat(reported.getReadonly()).isTrue();
    assertThat(out(b, "cat", "/vol/hello.txt")).isEqualTo("hello from an image volume");

    assertCode(() -> cri.images.removeImage(RemoveImageRequest.newBuilder().setImage(
        ImageSpec.newBuilder().setImage(data)).build()), Code.FAILED_PRECONDITION, "mounted as a volume");
    remove(a);
    assertThat(volumeMounts()).as("b still holds it").hasSize(1);
    assertThat(out(b, "cat", "/vol/sub/inner.txt")).isEqualTo("inner");
    assertCode(() -> cri.images.removeImage(RemoveImageRequest.newBuilder().setImage(
        ImageSpec.newBuilder().setImage(dataId)).build()), Code.FAILED_PRECONDITION, b);

    remove(b);
    assertThat(volumeMounts()).isEmpty();
    assertThat(listDir(root.resolve("images/volumes"))).isEmpty();
    cri.images.removeImage(RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(data)).build());
    assertThat(cri.images.imageStatus(ImageStatusRequest.newBuilder().setImage(ImageSpec.newBuilder()
        .setImage(dataId)).build()).hasImage()).isFalse();
  }

  @Test
  void aSubPathIsResolvedInsideTheImage() {
    String sub = run(withVolume("sub", dataId, m -> m.setImageSubPath("data/sub")));
    assertThat(out(sub, "cat", "/vol/inner.txt")).isEqualTo("inner");
    // an absolute link inside the image means the image's own /data/sub, not the host's
    String link = run(withVolume("link", dataId, m -> m.setImageSubPath("data/link")));
    assertThat(out(link, "ls", "/vol")).isEqualTo("inner.txt");
  }

  @Test
  void imageFsInfoCountsTheImageOnce() {
    long before = imageFsBytes();
    run(withVolume("one", imageId(busybox), m -> m));
    run(withVolume("two", imageId(busybox), m -> m));
    long grown = imageFsBytes() - before;
    // busybox's layer (a 2 MB binary) is in the store once; two rootfs snapshots and one volume add only directories
    assertThat(grown).as("bytes the store grew by").isLessThan(256 * 1024);
  }

  @Test
  void badInputIsRefusedNamingTheFieldAndLeavesNothing() throws Exception {
    assertCode(() -> create(podId, pod, withVolume("x", "127.0.0.1:1/never/pulled:1", m -> m)), Code.NOT_FOUND,
        "config.mounts[0].image.image");
    assertCode(() -> create(podId, pod, withVolume("x", dataId, m -> m.setImageSubPath("../etc"))),
        Code.INVALID_ARGUMENT, "config.mounts[0].image_sub_path");
    assertCode(() -> create(podId, pod, withVolume("x", dataId, m -> m.setImageSubPath("/data"))),
        Code.INVALID_ARGUMENT, "config.mounts[0].image_sub_path");
    // the host has /etc, the image has not: the link may not leave the image
    assertCode(() -> create(podId, pod, withVolume("x", dataId, m -> m.setImageSubPath("data/escape"))),
        Code.INVALID_ARGUMENT, "config.mounts[0].image_sub_path");
    assertCode(() -> create(podId, pod, withVolume("x", dataId, m -> m.setImageSubPath("data/missing"))),
        Code.INVALID_ARGUMENT, "config.mounts[0].image_sub_path");
    assertCode(() -> create(podId, pod, withVolume("x", dataId, m -> m.setImageSubPath("data/hello.txt"))),
        Code.INVALID_ARGUMENT, "not a directory");
    assertCode(() -> create(podId, pod, withVolume("x", dataId, m -> m.setReadonly(false))),
        Code.INVALID_ARGUMENT, "config.mounts[0].readonly");
    assertCode(() -> create(podId, pod, withVolume("x", dataId, m -> m.setHostPath("/etc"))),
        Code.INVALID_ARGUMENT, "config.mounts[0].host_path");
    assertCode(() -> create(podId, pod, Containers.config("x", busybox, "true").addMounts(Mount.newBuilder()
        .setContainerPath("/vol").setHostPath("/etc").setImageSubPath("data"))),
        Code.INVALID_ARGUMENT, "config.mounts[0].image_sub_path");

    assertThat(cri.runtime.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()).isEmpty();
    assertThat(volumeMounts()).isEmpty();
    assertThat(listDir(root.resolve("images/volumes"))).isEmpty();
    assertThat(NodeLeaks.of(root).containerDirs()).isEmpty();
  }

  private void remove(String id) {
    cri.runtime.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
  }

  private String imageId(String ref) {
    return cri.images.imageStatus(ImageStatusRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref))
        .build()).getImage().getId();
  }

  private long imageFsBytes() {
    return cri.images.imageFsInfo(ImageFsInfoRequest.getDefaultInstance()).getImageFilesystems(0).getUsedBytes()
        .getValue();
  }

  private List<String> volumeMounts() throws IOException {
    return NodeLeaks.of(root).mounts().stream().filter(m -> m.startsWith(root.resolve("images/volumes").toString()))
        .toList();
  }

  private static List<String> listDir(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (var entries = Files.list(dir)) {
      return entries.map(p -> p.getFileName().toString()).toList();
    }
  }

  private static void assertCode(Runnable call, Code code, String message) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).contains(message);
    });
  }
}
