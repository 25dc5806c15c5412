package dev.podshim.store;

import java.nio.file.Path;

/** One container: its metadata, status and directory (meta, status, bundle, conmon's files). */
public final class Container extends StoredEntity<ContainerMetadata, ContainerStatus> {
  Container(ContainerMetadata metadata, StatusCell<ContainerStatus> status, Path dir) {
    super(metadata.id(), metadata, status, dir);
  }

  /** The OCI bundle: config.json, and conmon's attach socket and control fifo. */
  public Path bundle() {
    return dir().resolve("bundle");
  }
}
