package dev.podshim.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.config.RegistryConfig;
import dev.podshim.errors.CriException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Basic auth (htpasswd, bcrypt) on a real registry; bearer tokens and storage redirects through a test proxy. */
class RegistryAuthTest {
  @TempDir Path dir;
  @TempDir Path root;

  static TestImage image(String marker) {
    return TestImage.builder().layer(new TestTar().file("who", marker)).layer(new TestTar().file("two", marker)).build();
  }

  @Test
  void basicAuthFromTheRequestOrFromConfig() throws Exception {
    try (RegistryFixture registry = RegistryFixture.start(dir.resolve("reg"), "alice", "s3cret")) {
      TestImage image = image("basic");
      registry.push("private/app", "v1", image);
      ImageReference ref = ImageReference.parse(registry.host() + "/private/app:v1");

      ImageService anonymous = ImageService.open(root, RegistryConfig.empty());
      assertThatThrownBy(() -> anonymous.pull(ref, PullAuth.NONE))
          .isInstanceOfSatisfying(CriException.class, e -> {
            assertThat(e.kind()).isEqualTo(CriException.Kind.FAILED_PRECONDITION);
            assertThat(e.getMessage()).contains("no credentials");
          });
      PullAuth wrong = new PullAuth("alice", "wrong", "", "", "", "");
      assertThatThrownBy(() -> anonymous.pull(ref, wrong))
          .isInstanceOfSatisfying(CriException.class, e -> assertThat(e.getMessage()).contains("pull access denied"));

      PullAuth right = new PullAuth("alice", "s3cret", "", "", "", "");
      assertThat(anonymous.pull(ref, right)).isEqualTo(image.id().toString());

      String encoded = Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
      anonymous.remove(image.id().toString());
      assertThat(anonymous.pull(ref, new PullAuth("", "", encoded, registry.host(), "", ""))).isEqualTo(image.id().toString());

      anonymous.remove(image.id().toString());
      RegistryConfig config = new RegistryConfig(Map.of(), Set.of(),
          Map.of(registry.host(), new RegistryConfig.Credentials("alice", "s3cret", "")), List.of());
      ImageService configured = ImageService.open(root, config);
      assertThat(configured.pull(ref, PullAuth.NONE)).isEqualTo(image.id().toString());
    }
  }

  @Test
  void bearerTokenChallengeWithCredentialsAndRedirectsThatDropTheAuthorization() throws Exception {
    try (RegistryFixture registry = RegistryFixture.start(dir.resolve("reg"));
         RegistryProxy proxy = new RegistryProxy(registry.base())) {
      TestImage image = image("bearer");
      registry.push("tok/app", "v1", image);
      proxy.bearer = true;
      proxy.tokenUser = "bob";
      proxy.tokenPassword = "pw";
      proxy.redirectBlobs = true;
      ImageReference ref = ImageReference.parse(proxy.host() + "/tok/app:v1");
      ImageService images = ImageService.open(root, RegistryConfig.empty());

      assertThatThrownBy(() -> images.pull(ref, new PullAuth("bob", "nope", "", "", "", "")))
          .isInstanceOfSatisfying(CriException.class, e -> {
            assertThat(e.kind()).isEqualTo(CriException.Kind.FAILED_PRECONDITION);
            assertThat(e.getMessage()).contains("token server").contains("refused");
          });

      assertThat(images.pull(ref, new PullAuth("bob", "pw", "", "", "", ""))).isEqualTo(image.id().toString());
      assertThat(proxy.count("GET /token")).isGreaterThanOrEqualTo(1);
      assertThat(proxy.count("GET /storage/v2/tok/app/blobs/")).isEqualTo(3);
      assertThat(proxy.storageAuthHeaders).hasSize(3).allMatch(h -> h.equals("null"));
    }
  }

  @Test
  void anonymousBearerTokensAndRegistryTokensFromTheRequest() throws Exception {
    try (RegistryFixture registry = RegistryFixture.start(dir.resolve("reg"));
         RegistryProxy proxy = new RegistryProxy(registry.base())) {
      TestImage image = image("anon");
      registry.push("pub/app", "v1", image);
      proxy.bearer = true; // the token endpoint hands tokens to anyone, as Docker Hub does for public images
      ImageService images = ImageService.open(root, RegistryConfig.empty());
      assertThat(images.pull(ImageReference.parse(proxy.host() + "/pub/app:v1"), PullAuth.NONE)).isEqualTo(image.id().toString());

      // a registry token the proxy never issued is refused once the challenge's token is also refused
      proxy.tokenUser = "nobody";
      proxy.tokenPassword = "x";
      images.remove(image.id().toString());
      assertThatThrownBy(() -> images.pull(ImageReference.parse(proxy.host() + "/pub/app:v1"),
          new PullAuth("", "", "", "", "", "forged")))
          .isInstanceOfSatisfying(CriException.class, e -> assertThat(e.kind()).isEqualTo(CriException.Kind.FAILED_PRECONDITION));
    }
  }

  @Test
  void mirrorWithItsOwnCredentials() throws Exception {
    try (RegistryFixture mirror = RegistryFixture.start(dir.resolve("reg"), "m", "mpw")) {
      TestImage image = image("mirror-auth");
      mirror.push("coredns/coredns", "v1.11.1", image);
      RegistryConfig config = new RegistryConfig(Map.of("registry.k8s.io", List.of(URI.create(mirror.base()))), Set.of(),
          Map.of(mirror.host(), new RegistryConfig.Credentials("m", "mpw", "")), List.of());
      ImageService images = ImageService.open(root, config);
      assertThat(images.pull(ImageReference.parse("registry.k8s.io/coredns/coredns:v1.11.1"), PullAuth.NONE))
          .isEqualTo(image.id().toString());
    }
  }
}
