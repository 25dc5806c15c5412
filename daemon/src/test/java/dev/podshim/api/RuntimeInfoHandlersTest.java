package dev.podshim.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.cri.v1.CgroupDriver;
import dev.podshim.cri.v1.ContainerStatsRequest;
import dev.podshim.cri.v1.ImageFsInfoRequest;
import dev.podshim.cri.v1.NetworkConfig;
import dev.podshim.cri.v1.RuntimeCondition;
import dev.podshim.cri.v1.RuntimeConfig;
import dev.podshim.cri.v1.RuntimeConfigRequest;
import dev.podshim.cri.v1.StatusRequest;
import dev.podshim.cri.v1.UpdateRuntimeConfigRequest;
import dev.podshim.cri.v1.VersionRequest;
import dev.podshim.testing.CriHarness;
import dev.podshim.testing.CriHarnessTest;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeInfoHandlersTest extends CriHarnessTest {

  @Test
  void versionNamesPodshimAndV1() {
    var v = cri.runtime.version(VersionRequest.getDefaultInstance());
    assertThat(v.getRuntimeName()).isEqualTo("podshim");
    assertThat(v.getRuntimeApiVersion()).isEqualTo("v1");
    assertThat(v.getVersion()).isEqualTo("0.1.0");
  }

  @Test
  void statusReportsRuntimeReadyAndNetworkCondition() {
    var status = cri.runtime.status(StatusRequest.newBuilder().setVerbose(true).build());
    assertThat(status.getStatus().getConditionsList()).extracting(RuntimeCondition::getType)
        .containsExactly("RuntimeReady", "NetworkReady");
    assertThat(status.getStatus().getConditions(0).getStatus()).isTrue();
    RuntimeCondition network = status.getStatus().getConditions(1);
    if (!network.getStatus()) {
      assertThat(network.getReason()).isNotEmpty();
      assertThat(network.getMessage()).isNotEmpty();
    }
    assertThat(status.getInfoMap().get("config")).contains("\"root\":\"" + root + "\"");
    assertThat(status.getRuntimeHandlersList()).extracting(h -> h.getName()).containsExactly("", "runc");
    assertThat(status.getRuntimeHandlersList()).allSatisfy(h -> assertThat(h.getFeatures().getRecursiveReadOnlyMounts()).isTrue());
    assertThat(status.getFeatures().getSupplementalGroupsPolicy()).isTrue();
    assertThat(status.getFeatures().getMountOptions()).isTrue();
  }

  @Test
  void statusWithoutVerboseHasNoInfo() {
    assertThat(cri.runtime.status(StatusRequest.getDefaultInstance()).getInfoMap()).isEmpty();
  }

  @Test
  void runtimeConfigReportsTheCgroupDriver() {
    var config = cri.runtime.runtimeConfig(RuntimeConfigRequest.getDefaultInstance());
    assertThat(config.getLinux().getCgroupDriver()).isEqualTo(CgroupDriver.CGROUPFS);
  }

  @Test
  void updateRuntimeConfigKeepsThePodCidrAndRefusesGarbage() {
    cri.runtime.updateRuntimeConfig(update("10.244.0.0/24,fd00::/64"));
    assertThat(cri.runtime.status(StatusRequest.newBuilder().setVerbose(true).build()).getInfoMap().get("config"))
        .contains("10.244.0.0/24,fd00::/64");
    assertThatThrownBy(() -> cri.runtime.updateRuntimeConfig(update("10.244.0.0/99")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("pod_cidr");
        });
  }

  @Test
  void imageFsInfoReportsTheImageStore() {
    var info = cri.images.imageFsInfo(ImageFsInfoRequest.getDefaultInstance());
    assertThat(info.getImageFilesystemsList()).hasSize(1);
    assertThat(info.getImageFilesystems(0).getFsId().getMountpoint()).startsWith("/");
    assertThat(info.getImageFilesystems(0).getInodesUsed().getValue()).isPositive();
  }

  @Test
  void methodsOfLaterWorkAnswerUnimplementedNamingWhatIsMissing() {
    // statuses of containers that do not exist are NOT_FOUND now that containers exist
    assertThatThrownBy(() -> cri.runtime.containerStatus(
        dev.podshim.cri.v1.ContainerStatusRequest.newBuilder().setContainerId("x").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Code.NOT_FOUND));
    // and so are the stats of one, now that stats exist
    assertThatThrownBy(() -> cri.runtime.containerStats(ContainerStatsRequest.newBuilder().setContainerId("x").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Code.NOT_FOUND));
    assertThatThrownBy(() -> cri.runtime.checkpointContainer(
        dev.podshim.cri.v1.CheckpointContainerRequest.newBuilder().setContainerId("x").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Code.UNIMPLEMENTED);
          assertThat(e.getStatus().getDescription()).contains("CheckpointContainer").contains("checkpoint");
        });
    assertThatThrownBy(() -> cri.runtime.checkpointPod(
        dev.podshim.cri.v1.CheckpointPodRequest.newBuilder().setPodSandboxId("x").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Code.UNIMPLEMENTED);
          assertThat(e.getStatus().getDescription()).contains("CheckpointPod").contains("pod checkpoint");
        });
    assertThatThrownBy(() -> cri.runtime.restorePod(
        dev.podshim.cri.v1.RestorePodRequest.newBuilder().setCheckpointPath("/x").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Code.UNIMPLEMENTED);
          assertThat(e.getStatus().getDescription()).contains("RestorePod").contains("pod checkpoint");
        });
  }

  @Test
  void everyCallIsUnavailableUntilRecoveryOpensTheGate(@TempDir Path other) throws Exception {
    try (CriHarness closed = CriHarness.startClosed(other)) {
      assertThatThrownBy(() -> closed.runtime.version(VersionRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Code.UNAVAILABLE));
      closed.gate.open();
      assertThat(closed.runtime.version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("podshim");
    }
  }

  @Test
  void callsAreMeasuredByOperationAndCode() {
    cri.runtime.version(VersionRequest.getDefaultInstance());
    assertThat(cri.registry.get("podshim.rpc.duration").tags("operation", "Version", "code", "OK").timer().count())
        .isEqualTo(1);
    try {
      cri.runtime.updateRuntimeConfig(update("nonsense"));
    } catch (StatusRuntimeException expected) {
      // counted below
    }
    assertThat(cri.registry.get("podshim.rpc.errors").tags("operation", "UpdateRuntimeConfig", "code", "INVALID_ARGUMENT")
        .counter().count()).isEqualTo(1);
  }

  private static UpdateRuntimeConfigRequest update(String cidr) {
    return UpdateRuntimeConfigRequest.newBuilder()
        .setRuntimeConfig(RuntimeConfig.newBuilder().setNetworkConfig(NetworkConfig.newBuilder().setPodCidr(cidr)))
        .build();
  }
}
