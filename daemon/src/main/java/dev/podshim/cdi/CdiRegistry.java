package dev.podshim.cdi;

import static java.util.Objects.requireNonNull;

import dev.podshim.errors.CriException;
import dev.podshim.errors.Inputs;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CDI devices the spec directories define. Each resolve first checks, with one listing and
 * a stat per spec file, whether a directory changed (a file added, removed, rewritten or
 * renamed) and reloads all of them if so: a driver installer or a DRA plugin that writes a spec
 * just before kubelet asks for its device is seen at once, and nothing runs between requests.
 * A spec file that cannot be read or breaks the CDI spec is logged and skipped. A device defined
 * by two files of the same directory is a conflict and resolves to nothing; one defined in two
 * directories comes from the later directory, as the CDI spec orders them.
 */
public final class CdiRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(CdiRegistry.class);

  private final List<Path> dirs;
  private List<String> fingerprint = List.of("never loaded");
  private Map<String, Defined> devices = Map.of();
  private Map<String, List<Path>> conflicts = Map.of();
  private Map<Path, String> skipped = Map.of();

  /** @param dirs the spec directories, lowest priority first */
  public CdiRegistry(List<Path> dirs) {
    this.dirs = List.copyOf(requireNonNull(dirs, "dirs"));
  }

  /** Where a device is defined. */
  private record Defined(SpecFile file, CdiSpec.Device device) {}

  /** A device a container asks for, with the CRI field that named it (for errors). */
  public record Request(String field, String name) {
    public Request {
      requireNonNull(field, "field");
      requireNonNull(name, "name");
    }
  }

  /**
   * Edits to apply, in order, with the request they came from.
   *
   * @param source the device and the spec file, for messages
   */
  public record Edit(String field, String source, CdiSpec.Edits edits) {}

  /**
   * The edits of the requested devices in the CDI spec's order: for each device, its spec's
   * container-wide edits the first time that spec is met, then the device's own edits. An
   * unknown or ambiguous device is INVALID_ARGUMENT naming the request's field.
   */
  public synchronized List<Edit> resolve(List<Request> requests) {
    if (requests.isEmpty()) {
      return List.of();
    }
    refreshIfChanged();
    List<Edit> edits = new ArrayList<>();
    Set<Path> specsSeen = new LinkedHashSet<>();
    for (Request r : requests) {
      Defined defined = devices.get(r.name());
      if (defined == null) {
        throw CriException.invalidArgument(r.field() + ": " + whyUnknown(r.name()));
      }
      SpecFile file = defined.file();
      String source = r.name() + " (spec " + file.path() + ")";
      if (specsSeen.add(file.path()) && !file.spec().containerEdits().isEmpty()) {
        edits.add(new Edit(r.field(), source, file.spec().containerEdits()));
      }
      edits.add(new Edit(r.field(), source, defined.device().containerEdits()));
    }
    return edits;
  }

  /** The qualified names of every device that resolves now, sorted. */
  public synchronized List<String> devices() {
    refreshIfChanged();
    return devices.keySet().stream().sorted().toList();
  }

  private String whyUnknown(String name) {
    List<Path> clash = conflicts.get(name);
    if (clash != null) {
      return "CDI device " + Inputs.quoted(name) + " is ambiguous: spec files " + clash + " both define it";
    }
    String why = "unknown CDI device " + Inputs.quoted(name) + ": no spec file in " + dirs + " defines it";
    if (!skipped.isEmpty()) {
      why += " (" + skipped.size() + " invalid spec files were skipped: " + skipped.keySet() + ", see podshimd's log)";
    }
    return why;
  }

  private void refreshIfChanged() {
    List<String> now = fingerprint();
    if (now.equals(fingerprint)) {
      return;
    }
    load();
    fingerprint = now;
  }

  /** Every spec file of every directory with what identifies its content: inode, size, mtime. */
  private List<String> fingerprint() {
    List<String> all = new ArrayList<>();
    for (Path dir : dirs) {
      for (Path file : specFiles(dir)) {
        try {
          BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
          all.add(file + " " + a.fileKey() + " " + a.size() + " " + a.lastModifiedTime().toInstant());
        } catch (IOException e) {
          all.add(file + " unreadable");
        }
      }
    }
    return all;
  }

  private void load() {
    Map<String, Defined> found = new HashMap<>();
    Map<String, List<Path>> clashes = new TreeMap<>();
    Map<Path, String> bad = new LinkedHashMap<>();
    for (int priority = 0; priority < dirs.size(); priority++) {
      for (Path path : specFiles(dirs.get(priority))) {
        SpecFile file;
        try {
          file = SpecFile.read(path, priority);
        } catch (SpecFile.BadSpecException e) {
          bad.put(path, e.getMessage());
          continue;
        } catch (IOException e) {
          bad.put(path, "cannot read: " + e);
          continue;
        }
        for (CdiSpec.Device d : file.spec().devices()) {
          String name = file.vendor() + "/" + file.deviceClass() + "=" + d.name();
          Defined earlier = found.get(name);
          if (earlier != null && earlier.file().priority() == priority) {
            clashes.computeIfAbsent(name, k -> new ArrayList<>(List.of(earlier.file().path()))).add(path);
          } else {
            clashes.remove(name); // a later directory's definition wins over an earlier one's clash
          }
          found.put(name, new Defined(file, d));
        }
      }
    }
    clashes.keySet().forEach(found::remove);
    devices = Map.copyOf(found);
    conflicts = Map.copyOf(clashes);
    skipped = java.util.Collections.unmodifiableMap(bad);
    bad.forEach((path, why) -> LOG.atWarn().addKeyValue("file", path).addKeyValue("error", why)
        .log("CDI spec file skipped"));
    clashes.forEach((name, paths) -> LOG.atWarn().addKeyValue("device", name).addKeyValue("files", paths)
        .log("CDI device defined twice in one directory: neither definition is used"));
    LOG.atInfo().addKeyValue("devices", devices.size()).addKeyValue("dirs", dirs).log("CDI spec files loaded");
  }

  /** The directory's {@code .json} and {@code .yaml} files, by name; none when it does not exist. */
  private static List<Path> specFiles(Path dir) {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        if (SpecFile.isSpecFileName(p.getFileName().toString()) && !Files.isDirectory(p)) {
          files.add(p);
        }
      }
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      LOG.atWarn().addKeyValue("dir", dir).addKeyValue("error", e.toString()).log("CDI spec directory unreadable");
      return List.of();
    }
    files.sort(null);
    return files;
  }
}
