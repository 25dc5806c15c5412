package dev.podshim.e2e.vm;

import java.util.List;

/**
 * Where tests get their VM from: the saved state of the node recipe, built on first use on this
 * machine (image from Debian's archive, then one cold boot) and taken from the cache after that.
 */
public final class VmNodes {
  /** How long an image of another recipe stays in the cache after its last use. */
  private static final java.time.Duration UNUSED_IMAGES_KEPT = java.time.Duration.ofDays(7);
  private static SavedVm saved;

  private VmNodes() {
  }

  /** The saved node, made now if this machine has none; later calls in this JVM reuse it. */
  public static synchronized SavedVm saved() throws Exception {
    if (saved == null) {
      Qemu.requireInstalled();
      VmRecipe recipe = VmRecipe.trixieNode();
      VmCache cache = VmCache.fromEnvironment();
      String imageKey = recipe.key();
      long start = System.nanoTime();
      VmImage image = new VmImage(cache.obtain(imageKey, dir -> new VmImageBuilder(recipe).build(dir)));
      VmTimings.report("image " + imageKey + " (built or found in " + cache.root() + ")", start);
      cache.pruneUnused(imageKey, UNUSED_IMAGES_KEPT);
      // a saved machine is restored only by the QEMU that saved it
      String stateKey = "state-" + VmRecipe.sha256(qemuVersion()).substring(0, 12);
      start = System.nanoTime();
      saved = new SavedVm(image, recipe,
          cache.obtain(imageKey + "/" + stateKey, dir -> new SavedVmBuilder(image, recipe).build(dir)));
      VmTimings.report("saved state " + stateKey + " (made or found)", start);
    }
    return saved;
  }

  private static String qemuVersion() throws Exception {
    return HostCommand.run(List.of(Qemu.BINARY, "--version"), java.time.Duration.ofSeconds(30)).orThrow().stdout()
        .lines().findFirst().orElseThrow();
  }
}
