package dev.podshim.e2e.vm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Boots an image once (a cold boot under emulation takes about a minute), waits until systemd has
 * started everything, and saves the running machine, so that each test starts from that moment.
 */
final class SavedVmBuilder {
  private final VmImage image;
  private final VmRecipe recipe;

  SavedVmBuilder(VmImage image, VmRecipe recipe) {
    this.image = image;
    this.recipe = recipe;
  }

  SavedVm build(Path dir) throws Exception {
    SavedVm saved = new SavedVm(image, recipe, dir);
    HostCommand.run(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-b", image.disk().toString(), "-F", "raw",
        saved.qcow2().toString()), Duration.ofMinutes(1)).orThrow();
    long start = System.nanoTime();
    try (VmNode node = VmNode.boot(image, recipe, saved.qcow2(), Duration.ofMinutes(5))) {
      VmTimings.report("cold boot to ssh", start);
      // a snapshot taken while units still start would make every test race them
      CommandResult settled = node.run("systemctl is-system-running --wait; systemctl --failed --no-legend; sync",
          Duration.ofMinutes(5));
      if (!settled.stdout().startsWith("running")) {
        throw new IllegalStateException("the guest did not come up cleanly: " + settled + "\n" + node.diagnostics());
      }
      long save = System.nanoTime();
      node.saveAndQuit();
      VmTimings.report("savevm", save);
      Files.copy(node.console(), dir.resolve("boot-console.log"));
    }
    return saved;
  }
}
