package dev.podshim.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.podshim.store.ContainerConfig.GroupsPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UserResolverTest {
  private static final String PASSWD = """
      root:x:0:0:root:/root:/bin/sh
      # a comment
      daemon:x:1:1::/:/usr/sbin/nologin
      web:x:1000:50000:Web:/home/web:/bin/sh
      broken:x:notanumber:1::/:/bin/sh
      nobody:x:65534:65534::/nonexistent:/usr/sbin/nologin
      """;
  private static final String GROUP = """
      root:x:0:
      daemon:x:1:web
      www:x:50000:
      media:x:60000:other,web
      staff:x:70000:other
      """;

  @TempDir Path dir;
  private SpecFixture f;

  @BeforeEach
  void rootfs() throws IOException {
    f = new SpecFixture(dir);
    Files.createDirectories(f.rootfs.resolve("etc"));
    Files.writeString(f.rootfs.resolve("etc/passwd"), PASSWD);
    Files.writeString(f.rootfs.resolve("etc/group"), GROUP);
    f.groupsPolicy = GroupsPolicy.STRICT;
  }

  @ParameterizedTest(name = "image user \"{0}\" is {1}:{2}")
  @CsvSource({
      "'',          0,     0",
      "0,           0,     0",
      "1000,        1000,  50000",
      "4242,        4242,  0",
      "web,         1000,  50000",
      "nobody,      65534, 65534",
      "1000:60000,  1000,  60000",
      "web:media,   1000,  60000",
      "1000:staff,  1000,  70000",
      "web:7,       1000,  7",
      "4242:media,  4242,  60000",
      "web:0,       1000,  0"})
  void theImagesUserInEveryForm(String user, long uid, long gid) {
    f.imageUser = user;
    assertThat(f.build().user()).isEqualTo(new ResolvedUser(uid, gid, List.of(gid)));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "ghost|user \"ghost\" not found in the image's /etc/passwd",
      "web:ghosts|group \"ghosts\" not found in the image's /etc/group",
      "1000:ghosts|group \"ghosts\" not found",
      "broken|user \"broken\" not found"})
  void anUnknownImageUserOrGroupIsInvalid(String user, String message) {
    f.imageUser = user;
    f.assertInvalid(message);
  }

  @Test
  void runAsUsernameTakesThePasswdEntrysIds() {
    f.runAsUsername = "web";
    f.imageUser = "nobody";
    assertThat(f.build().user()).isEqualTo(new ResolvedUser(1000, 50000, List.of(50000L)));
  }

  @Test
  void anUnknownRunAsUsernameIsInvalid() {
    f.runAsUsername = "ghost";
    f.assertInvalid("config.linux.security_context.run_as_username: user \"ghost\" not found");
  }

  @ParameterizedTest
  @CsvSource({"1000, 50000", "4242, 0", "0, 0"})
  void runAsUserTakesTheGidOfItsPasswdEntryElseZero(long uid, long gid) {
    f.runAsUser = uid;
    f.imageUser = "nobody";
    assertThat(f.build().user()).isEqualTo(new ResolvedUser(uid, gid, List.of(gid)));
  }

  @Test
  void runAsGroupOverridesTheGid() {
    f.runAsUser = 1000L;
    f.runAsGroup = 3000L;
    assertThat(f.build().user()).isEqualTo(new ResolvedUser(1000, 3000, List.of(3000L)));
    f.runAsUser = null;
    f.runAsUsername = "web";
    assertThat(f.build().user()).isEqualTo(new ResolvedUser(1000, 3000, List.of(3000L)));
  }

  @Test
  void runAsGroupWithoutAUserIsInvalid() {
    f.runAsGroup = 3000L;
    f.assertInvalid("config.linux.security_context.run_as_group: is set without run_as_user or run_as_username");
  }

  @Test
  void aNegativeUidIsInvalid() {
    f.runAsUser = -1L;
    f.assertInvalid("config.linux.security_context.run_as_user: -1 is not a valid id");
  }

  @Test
  void mergeAddsTheGroupsListingTheUserByNameThenTheConfigs() {
    f.groupsPolicy = GroupsPolicy.MERGE;
    f.runAsUser = 1000L;
    f.supplementalGroups = List.of(70000L, 60000L);
    BuiltSpec built = f.build();

    assertThat(built.user()).isEqualTo(new ResolvedUser(1000, 50000, List.of(50000L, 1L, 60000L, 70000L)));
    assertThat(built.spec().path("process").path("user").toString())
        .isEqualTo("{\"uid\":1000,\"gid\":50000,\"additionalGids\":[50000,1,60000,70000]}");
  }

  @Test
  void strictTakesOnlyThePrimaryAndTheConfigsGroups() {
    f.runAsUser = 1000L;
    f.supplementalGroups = List.of(70000L, 50000L);
    assertThat(f.build().user()).isEqualTo(new ResolvedUser(1000, 50000, List.of(50000L, 70000L)));
  }

  @Test
  void critestsMergeExpectation() throws IOException {
    Files.writeString(f.rootfs.resolve("etc/group"), "group1:x:50000:\ngroup2:x:60000:user1\n");
    Files.writeString(f.rootfs.resolve("etc/passwd"), "user1:x:1000:50000::/:/bin/sh\n");
    f.runAsUser = 1000L;
    f.supplementalGroups = List.of(70000L);
    f.groupsPolicy = GroupsPolicy.MERGE;
    assertThat(f.build().user().supplementalGroups()).containsExactly(50000L, 60000L, 70000L);
    f.groupsPolicy = GroupsPolicy.STRICT;
    assertThat(f.build().user().supplementalGroups()).containsExactly(50000L, 70000L);
  }

  @Test
  void aRootfsWithoutPasswdStillResolvesNumericUsers() throws IOException {
    Files.delete(f.rootfs.resolve("etc/passwd"));
    Files.delete(f.rootfs.resolve("etc/group"));
    f.imageUser = "1234:5678";
    assertThat(f.build().user()).isEqualTo(new ResolvedUser(1234, 5678, List.of(5678L)));
    f.imageUser = "web";
    f.assertInvalid("user \"web\" not found");
  }

  @Test
  void anAbsoluteSymlinkIsFollowedInsideTheRootfsNeverOnTheHost() throws IOException {
    Path etc = f.rootfs.resolve("etc");
    Files.delete(etc.resolve("passwd"));
    Files.writeString(etc.resolve("shadow"), "inside:x:4321:4321::/:/bin/sh\n");
    Files.createSymbolicLink(etc.resolve("passwd"), Path.of("/etc/shadow"));
    f.imageUser = "inside";
    assertThat(f.build().user()).isEqualTo(new ResolvedUser(4321, 4321, List.of(4321L)));
    // the host's /etc/passwd has root; the rootfs' resolved file does not
    f.imageUser = "root";
    f.assertInvalid("user \"root\" not found");
  }

  @Test
  void relativeLinksAndDotDotStopAtTheRootfs() throws IOException {
    Path etc = f.rootfs.resolve("etc");
    Files.delete(etc.resolve("passwd"));
    Files.createDirectories(f.rootfs.resolve("data"));
    Files.writeString(f.rootfs.resolve("data/users"), "deep:x:77:88::/:/bin/sh\n");
    Files.createSymbolicLink(etc.resolve("passwd"), Path.of("../../../../../data/users"));
    f.imageUser = "deep";
    assertThat(f.build().user()).isEqualTo(new ResolvedUser(77, 88, List.of(88L)));
  }

  @Test
  void aSymlinkedDirectoryOnTheWayIsResolvedInsideTooAndLoopsEnd() throws IOException {
    Path etc = f.rootfs.resolve("etc");
    Files.move(etc, f.rootfs.resolve("real-etc"));
    Files.createSymbolicLink(etc, Path.of("/real-etc"));
    f.imageUser = "web";
    assertThat(f.build().user().uid()).isEqualTo(1000);

    Files.delete(f.rootfs.resolve("real-etc/passwd"));
    Files.createSymbolicLink(f.rootfs.resolve("real-etc/passwd"), Path.of("/etc/passwd"));
    assertThat(catchThrowable(() -> f.build()))
        .hasMessageContaining("too many levels of symbolic links");
  }
}
