package dev.podshim.e2e.vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Debian packages that podshim's package {@code Depends:} on, read from its control file, so
 * the VM image has them preinstalled and {@code apt-get install ./podshim_amd64.deb} needs no
 * network there, whatever the control file says next month.
 */
final class PackageDepends {
  private PackageDepends() {
  }

  static List<String> of(Path controlFile) throws IOException {
    String depends = Files.readAllLines(controlFile).stream().filter(l -> l.startsWith("Depends:")).findFirst()
        .orElseThrow(() -> new IllegalStateException(controlFile + " has no Depends: line"))
        .substring("Depends:".length());
    List<String> names = new ArrayList<>();
    for (String relation : depends.split(",")) {
      // "a (>= 1) | b": the first alternative is the one apt would pick
      String first = relation.split("\\|")[0].strip();
      String name = first.split("[\\s(\\[:]")[0];
      if (!name.isEmpty()) {
        names.add(name);
      }
    }
    return List.copyOf(names);
  }
}
