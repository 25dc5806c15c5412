package dev.podshim.image;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The run-time part of an image's config (OCI image spec {@code config}): what a container of
 * this image runs by default.
 *
 * @param env {@code KEY=value} entries
 * @param user as written: uid, name, uid:gid or name:group; empty for root
 * @param stopSignal e.g. "SIGQUIT" or "3"; empty when unset
 * @param volumes container paths the image declares as volumes
 */
public record ImageConfig(String id, List<String> entrypoint, List<String> cmd, List<String> env, String workingDir,
    String user, String stopSignal, List<String> volumes) {
  public ImageConfig {
    requireNonNull(id, "id");
    entrypoint = List.copyOf(entrypoint);
    cmd = List.copyOf(cmd);
    env = List.copyOf(env);
    requireNonNull(workingDir, "workingDir");
    requireNonNull(user, "user");
    requireNonNull(stopSignal, "stopSignal");
    volumes = List.copyOf(volumes);
  }
}
