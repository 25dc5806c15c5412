package dev.podshim.container;

import static dev.podshim.container.Fields.SECURITY;
import static dev.podshim.container.Fields.invalid;
import static dev.podshim.container.Fields.noNul;
import static dev.podshim.container.Fields.quoted;

import dev.podshim.errors.CriException;
import dev.podshim.store.ContainerConfig.GroupsPolicy;
import dev.podshim.store.ContainerConfig.Security;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Who a container's process runs as, as containerd decides it: run_as_username, else
 * run_as_user, else the image's User; names are looked up in the rootfs' /etc/passwd and
 * /etc/group (read without leaving the rootfs), run_as_group overrides the gid.
 */
final class UserResolver {
  private static final Pattern NUMBER = Pattern.compile("[0-9]{1,10}");
  private static final long MAX_ID = 0xFFFF_FFFEL;
  private static final int MAX_FILE = 16 * 1024 * 1024;

  private final Path rootfs;
  private @Nullable List<Passwd> passwd;
  private @Nullable List<Group> groups;

  UserResolver(Path rootfs) {
    this.rootfs = rootfs;
  }

  private record Passwd(String name, long uid, long gid) {}

  private record Group(String name, long gid, List<String> members) {}

  /** A user before run_as_group and supplemental groups apply; {@code name} null when unknown. */
  private record Identity(long uid, long gid, @Nullable String name) {}

  ResolvedUser resolve(Security security, String imageUser) {
    Identity who;
    if (!security.runAsUsername().isEmpty()) {
      String name = noNul(SECURITY + ".run_as_username", security.runAsUsername());
      Passwd entry = userNamed(name).orElseThrow(() -> invalid(SECURITY + ".run_as_username",
          "user " + quoted(name) + " not found in the image's /etc/passwd"));
      who = new Identity(entry.uid(), entry.gid(), entry.name());
    } else if (security.runAsUser() != null) {
      who = byUid(id(SECURITY + ".run_as_user", security.runAsUser()));
    } else {
      if (security.runAsGroup() != null) {
        throw invalid(SECURITY + ".run_as_group", "is set without run_as_user or run_as_username");
      }
      who = fromImage(imageUser);
    }
    long gid = security.runAsGroup() == null ? who.gid() : id(SECURITY + ".run_as_group", security.runAsGroup());
    Set<Long> all = new LinkedHashSet<>();
    all.add(gid);
    if (security.groupsPolicy() == GroupsPolicy.MERGE && who.name() != null) {
      for (Group g : groups()) {
        if (g.members().contains(who.name())) {
          all.add(g.gid());
        }
      }
    }
    List<Long> supplemental = security.supplementalGroups();
    for (int i = 0; i < supplemental.size(); i++) {
      all.add(id(SECURITY + ".supplemental_groups[" + i + "]", supplemental.get(i)));
    }
    return new ResolvedUser(who.uid(), gid, List.copyOf(all));
  }

  /** The image's User: uid, name, uid:gid, name:group, uid:group or name:gid; empty is root. */
  private Identity fromImage(String user) {
    String field = "image user " + quoted(user);
    noNul(field, user);
    int colon = user.indexOf(':');
    String userPart = colon < 0 ? user : user.substring(0, colon);
    Identity who;
    if (userPart.isEmpty()) {
      who = byUid(0);
    } else if (NUMBER.matcher(userPart).matches()) {
      who = byUid(id(field, Long.parseLong(userPart)));
    } else {
      Passwd entry = userNamed(userPart)
          .orElseThrow(() -> invalid(field, "user " + quoted(userPart) + " not found in the image's /etc/passwd"));
      who = new Identity(entry.uid(), entry.gid(), entry.name());
    }
    if (colon < 0) {
      return who;
    }
    String groupPart = user.substring(colon + 1);
    long gid;
    if (NUMBER.matcher(groupPart).matches()) {
      gid = id(field, Long.parseLong(groupPart));
    } else {
      gid = groups().stream().filter(g -> g.name().equals(groupPart)).findFirst()
          .orElseThrow(() -> invalid(field, "group " + quoted(groupPart) + " not found in the image's /etc/group"))
          .gid();
    }
    return new Identity(who.uid(), gid, who.name());
  }

  /** A uid with the gid and name of its passwd entry, or gid 0 and no name when it has none. */
  private Identity byUid(long uid) {
    return passwd().stream().filter(p -> p.uid() == uid).findFirst()
        .map(p -> new Identity(uid, p.gid(), p.name()))
        .orElse(new Identity(uid, 0, null));
  }

  private Optional<Passwd> userNamed(String name) {
    return passwd().stream().filter(p -> p.name().equals(name)).findFirst();
  }

  private static long id(String field, long id) {
    if (id < 0 || id > MAX_ID) {
      throw invalid(field, id + " is not a valid id (0 to " + MAX_ID + ")");
    }
    return id;
  }

  private List<Passwd> passwd() {
    if (passwd == null) {
      passwd = read("/etc/passwd", 4, f -> new Passwd(f[0], Long.parseLong(f[2]), Long.parseLong(f[3])));
    }
    return passwd;
  }

  private List<Group> groups() {
    if (groups == null) {
      groups = read("/etc/group", 3, f -> new Group(f[0], Long.parseLong(f[2]),
          f.length > 3 && !f[3].isBlank() ? List.of(f[3].strip().split("\\s*,\\s*")) : List.of()));
    }
    return groups;
  }

  /** The entries of a colon-separated file in the rootfs; a missing file has none, a malformed line is skipped. */
  private <T> List<T> read(String path, int minFields, Function<String[], T> entry) {
    String text;
    try {
      Path file = RootfsPath.resolve(rootfs, path);
      try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
        byte[] bytes = in.readNBytes(MAX_FILE);
        text = new String(bytes, StandardCharsets.UTF_8);
      }
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw CriException.internal("read " + path + " in rootfs " + rootfs + ": " + e.getMessage(), e);
    }
    List<T> entries = new ArrayList<>();
    for (String line : text.split("\n")) {
      String[] fields = line.split(":", -1);
      if (fields.length < minFields || line.startsWith("#") || fields[0].isEmpty()) {
        continue;
      }
      try {
        entries.add(entry.apply(fields));
      } catch (NumberFormatException e) {
        // not an entry Linux would use either
      }
    }
    return entries;
  }
}
