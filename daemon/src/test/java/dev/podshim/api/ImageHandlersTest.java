package dev.podshim.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.config.RegistryConfig;
import dev.podshim.cri.v1.AuthConfig;
import dev.podshim.cri.v1.ImageFilter;
import dev.podshim.cri.v1.ImageFsInfoRequest;
import dev.podshim.cri.v1.ImageServiceGrpc;
import dev.podshim.cri.v1.ImageSpec;
import dev.podshim.cri.v1.ImageStatusRequest;
import dev.podshim.cri.v1.ImageStatusResponse;
import dev.podshim.cri.v1.ListImagesRequest;
import dev.podshim.cri.v1.PullImageRequest;
import dev.podshim.cri.v1.RemoveImageRequest;
import dev.podshim.image.ImageService;
import dev.podshim.image.ImageTestRegistry;
import dev.podshim.transport.StatusMapper;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image RPCs through grpc's in-process transport, with the real image service and a real registry. */
class ImageHandlersTest {
  @TempDir static Path shared;
  static ImageTestRegistry registry;

  @TempDir Path root;
  private Server server;
  private ManagedChannel channel;
  private ImageServiceGrpc.ImageServiceBlockingStub stub;

  @BeforeAll
  static void startRegistry() throws Exception {
    registry = ImageTestRegistry.start(shared.resolve("registry"));
  }

  @AfterAll
  static void stopRegistry() throws Exception {
    registry.close();
  }

  /** What transport's ExceptionMapping does, so handlers may simply throw. */
  static final class MapExceptions implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
        @Override
        public void onHalfClose() {
          try {
            super.onHalfClose();
          } catch (RuntimeException e) {
            call.close(StatusMapper.toStatus(e), new Metadata());
          }
        }
      };
    }
  }

  void start(RegistryConfig config) throws Exception {
    ImageService images = ImageService.open(root, config);
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(new ImageServiceImpl(images), new MapExceptions())).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    stub = ImageServiceGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
      server.shutdownNow();
    }
  }

  static ImageSpec spec(String image) {
    return ImageSpec.newBuilder().setImage(image).build();
  }

  static void assertCode(Runnable call, Status.Code code, String message) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).contains(message);
    });
  }

  @Test
  void pullStatusListRemove() throws Exception {
    start(RegistryConfig.empty());
    String ref = registry.pushSample("handlers/app", "v1", "1000");
    String id = stub.pullImage(PullImageRequest.newBuilder().setImage(spec(ref)).build()).getImageRef();
    assertThat(id).startsWith("sha256:");

    ImageStatusResponse status = stub.imageStatus(ImageStatusRequest.newBuilder().setImage(spec(ref)).setVerbose(true).build());
    assertThat(status.getImage().getId()).isEqualTo(id);
    assertThat(status.getImage().getRepoTagsList()).containsExactly(ref);
    assertThat(status.getImage().getRepoDigestsList()).hasSize(1);
    assertThat(status.getImage().hasUid()).isTrue();
    assertThat(status.getImage().getUid().getValue()).isEqualTo(1000);
    assertThat(status.getImage().getSize()).isPositive();
    assertThat(status.getInfoMap()).containsKey("info");
    assertThat(status.getInfoMap().get("info")).contains("imageSpec");

    assertThat(stub.listImages(ListImagesRequest.getDefaultInstance()).getImagesList()).hasSize(1);
    assertThat(stub.listImages(ListImagesRequest.newBuilder()
        .setFilter(ImageFilter.newBuilder().setImage(spec("not/there:1"))).build()).getImagesList()).isEmpty();
    assertThat(stub.listImages(ListImagesRequest.newBuilder()
        .setFilter(ImageFilter.newBuilder().setImage(spec(id))).build()).getImagesList()).hasSize(1);
    List<dev.podshim.cri.v1.StreamImagesResponse> streamed = new java.util.ArrayList<>();
    stub.streamImages(dev.podshim.cri.v1.StreamImagesRequest.getDefaultInstance()).forEachRemaining(streamed::add);
    assertThat(streamed).singleElement().satisfies(m -> assertThat(m.getImagesList()).singleElement()
        .satisfies(image -> assertThat(image.getId()).isEqualTo(id)));
    List<dev.podshim.cri.v1.StreamImagesResponse> none = new java.util.ArrayList<>();
    stub.streamImages(dev.podshim.cri.v1.StreamImagesRequest.newBuilder()
        .setFilter(ImageFilter.newBuilder().setImage(spec("not/there:1"))).build()).forEachRemaining(none::add);
    assertThat(none).as("nothing to report is the end of the stream, no empty message").isEmpty();

    stub.removeImage(RemoveImageRequest.newBuilder().setImage(spec(ref)).build());
    assertThat(stub.imageStatus(ImageStatusRequest.newBuilder().setImage(spec(ref)).build()).hasImage()).isFalse();
    stub.removeImage(RemoveImageRequest.newBuilder().setImage(spec(ref)).build()); // missing: OK
    assertThat(stub.imageFsInfo(ImageFsInfoRequest.getDefaultInstance()).getImageFilesystemsList()).hasSize(1);
  }

  @Test
  void usernameFromANonNumericUser() throws Exception {
    start(RegistryConfig.empty());
    String ref = registry.pushSample("handlers/named", "v1", "nobody:nogroup");
    stub.pullImage(PullImageRequest.newBuilder().setImage(spec(ref)).build());
    var image = stub.imageStatus(ImageStatusRequest.newBuilder().setImage(spec(ref)).build()).getImage();
    assertThat(image.hasUid()).isFalse();
    assertThat(image.getUsername()).isEqualTo("nobody");
  }

  @Test
  void errorCodes() throws Exception {
    start(RegistryConfig.empty());
    assertCode(() -> stub.pullImage(PullImageRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT, "image.image");
    assertCode(() -> stub.pullImage(PullImageRequest.newBuilder().setImage(spec("Not/Valid::x")).build()),
        Status.Code.INVALID_ARGUMENT, "image.image: ");
    assertCode(() -> stub.pullImage(PullImageRequest.newBuilder().setImage(spec(registry.host() + "/missing/repo:1")).build()),
        Status.Code.NOT_FOUND, "missing/repo");
    assertCode(() -> stub.pullImage(PullImageRequest.newBuilder().setImage(spec("127.0.0.1:1/x:1")).build()),
        Status.Code.UNAVAILABLE, "connection refused");
    assertCode(() -> stub.pullImage(PullImageRequest.newBuilder().setImage(spec("busybox"))
        .setAuth(AuthConfig.newBuilder().setAuth("@@notbase64")).build()), Status.Code.INVALID_ARGUMENT, "auth.auth");
    assertCode(() -> stub.imageStatus(ImageStatusRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT, "image.image");
    assertCode(() -> stub.removeImage(RemoveImageRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT, "image.image");
    assertThat(stub.imageStatus(ImageStatusRequest.newBuilder().setImage(spec("busybox")).build()).hasImage()).isFalse();
  }

  @Test
  void pinnedImagesAreReportedAndNotRemoved() throws Exception {
    String ref = registry.pushSample("handlers/pinned", "v1", "");
    start(new RegistryConfig(Map.of(), Set.of(), Map.of(), List.of(ref)));
    String id = stub.pullImage(PullImageRequest.newBuilder().setImage(spec(ref)).build()).getImageRef();
    assertThat(stub.imageStatus(ImageStatusRequest.newBuilder().setImage(spec(id)).build()).getImage().getPinned()).isTrue();
    assertCode(() -> stub.removeImage(RemoveImageRequest.newBuilder().setImage(spec(id)).build()),
        Status.Code.FAILED_PRECONDITION, "pinned");
  }
}
