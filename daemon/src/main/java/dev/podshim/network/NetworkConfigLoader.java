package dev.podshim.network;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Finds the network to attach pods to: the lexically first {@code .conflist}/{@code .conf}/
 * {@code .json} in the cluster's directory, else in podshim's own, else (when enabled) podshim's
 * default network written into its own directory. The cluster directory always wins.
 *
 * <p>Change detection is a stat of both directories and of the chosen file on every call, not a
 * WatchService: a CNI add-on usually creates /etc/cni/net.d only when its DaemonSet starts, and
 * a WatchService cannot watch a directory that does not exist yet, needs a thread, and can drop
 * events on overflow. Three stats cost microseconds per ADD or Status call and are never stale.
 * Adding, removing or renaming a file changes its directory's mtime; an in-place edit changes
 * the file's mtime or size.
 */
final class NetworkConfigLoader {
  private static final List<String> EXTENSIONS = List.of(".conflist", ".conf", ".json");

  /** What the directories hold now: a usable list, or why there is none. */
  record Loaded(@Nullable NetworkConfigList list, @Nullable Path file, String problem) {}

  private final Path clusterDir;
  private final Path ownDir;
  private final @Nullable String defaultNetwork;

  private @Nullable List<Object> stamp;
  private @Nullable Loaded loaded;

  /**
   * @param defaultNetwork the conflist to write into {@code ownDir} when neither directory has a
   *     config, or null to never write one
   */
  NetworkConfigLoader(Path clusterDir, Path ownDir, @Nullable String defaultNetwork) {
    this.clusterDir = requireNonNull(clusterDir, "clusterDir");
    this.ownDir = requireNonNull(ownDir, "ownDir");
    this.defaultNetwork = defaultNetwork;
  }

  List<Path> dirs() {
    return List.of(clusterDir, ownDir);
  }

  synchronized Loaded current() {
    Loaded last = loaded;
    if (last != null && stamp(last.file()).equals(stamp)) {
      return last;
    }
    // Stamp the directories before reading them: a change during the load shows up next call.
    List<Object> dirStamps = List.of(stampOf(clusterDir), stampOf(ownDir));
    Loaded fresh = load();
    List<Object> full = new ArrayList<>(dirStamps);
    full.add(fresh.file() == null ? "none" : stampOf(fresh.file()));
    loaded = fresh;
    stamp = full;
    return fresh;
  }

  private List<Object> stamp(@Nullable Path file) {
    return List.of(stampOf(clusterDir), stampOf(ownDir), file == null ? "none" : stampOf(file));
  }

  private Loaded load() {
    for (Path dir : dirs()) {
      if (dir.equals(ownDir)) {
        try {
          syncDefaultNetwork();
        } catch (IOException e) {
          return new Loaded(null, null, "no CNI network config in " + clusterDir + ", and writing podshim's"
              + " default network to " + ownDir.resolve(DefaultNetwork.FILE_NAME) + " failed: " + e);
        }
      }
      Optional<Path> first;
      try {
        first = firstConfig(dir);
      } catch (IOException e) {
        return new Loaded(null, null, "cannot read CNI config directory " + dir + ": " + e);
      }
      if (first.isPresent()) {
        return parse(first.get());
      }
    }
    return new Loaded(null, null, "no CNI network config in " + clusterDir + " or " + ownDir
        + (defaultNetwork == null ? " (podshim's default network is disabled)" : ""));
  }

  /**
   * Keeps podshim's default network file in step with the settings: written when enabled and
   * podshim's directory holds no other config, rewritten when the settings changed (a new
   * {@code cni_default_subnet}), removed when disabled. Attached pods keep the config they were
   * attached with for their DEL.
   */
  private void syncDefaultNetwork() throws IOException {
    Path file = ownDir.resolve(DefaultNetwork.FILE_NAME);
    if (defaultNetwork == null) {
      Files.deleteIfExists(file);
      return;
    }
    Optional<Path> first = firstConfig(ownDir);
    if (first.isPresent() && !first.get().equals(file)) {
      return; // an operator's config in podshim's directory: it is used, and ours is not needed
    }
    if (first.isEmpty() || !Files.readString(file).equals(defaultNetwork)) {
      writeAtomically(file, defaultNetwork);
    }
  }

  private static Loaded parse(Path file) {
    try {
      return new Loaded(NetworkConfigList.parse(Files.readString(file)), file, "");
    } catch (IOException | IllegalArgumentException e) {
      return new Loaded(null, file, "CNI config file " + file + " invalid: " + e.getMessage());
    }
  }

  private static Optional<Path> firstConfig(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries
          .filter(p -> EXTENSIONS.stream().anyMatch(ext -> p.getFileName().toString().endsWith(ext)))
          .filter(Files::isRegularFile)
          .min(Comparator.comparing(p -> p.getFileName().toString()));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  private static Object stampOf(Path path) {
    try {
      BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
      return List.of(a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey()));
    } catch (NoSuchFileException e) {
      return "absent";
    } catch (IOException e) {
      return "error " + e.getMessage();
    }
  }

  private static void writeAtomically(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp-"
        + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
