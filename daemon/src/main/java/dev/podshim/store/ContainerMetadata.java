package dev.podshim.store;

import static java.util.Objects.requireNonNull;

/**
 * The immutable facts of a container, written once to {@code meta.json} before anything is
 * acquired for it, so that recovery can always find and undo a half-made container.
 *
 * @param name the reserved name {@code <container>_<sandbox name>_<attempt>}
 * @param imageId the image's config digest the rootfs was made from
 * @param imageRef the repo digest the image was pulled by, else the id
 * @param imageName the image as kubectl shows it: the name the pod asked for, else the name the
 *     client gave or, when that was an id, the image's first tag; in state written before it was
 *     kept, the name the client gave
 * @param logPath absolute path of the CRI log file; empty for none
 * @param runtimeHandler the sandbox's runtime handler, "" meaning the default
 * @param stopSignal signal number StopContainer sends first
 * @param terminationMessagePath host file whose text becomes the exit message; empty for none
 */
public record ContainerMetadata(
    String id,
    String name,
    String sandboxId,
    ContainerConfig config,
    String imageId,
    String imageRef,
    String imageName,
    long createdAtNanos,
    String logPath,
    String runtimeHandler,
    int stopSignal,
    String terminationMessagePath) {
  public ContainerMetadata {
    requireNonNull(id, "id");
    requireNonNull(name, "name");
    requireNonNull(sandboxId, "sandboxId");
    requireNonNull(config, "config");
    requireNonNull(imageId, "imageId");
    requireNonNull(imageRef, "imageRef");
    imageName = imageName == null ? config.image() : imageName;
    requireNonNull(logPath, "logPath");
    requireNonNull(runtimeHandler, "runtimeHandler");
    requireNonNull(terminationMessagePath, "terminationMessagePath");
  }
}
