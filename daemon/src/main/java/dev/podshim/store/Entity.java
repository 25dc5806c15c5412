package dev.podshim.store;

import java.nio.file.Path;

/** What {@link EntityStore} needs of the entities it keeps: an id and a directory of their own. */
public interface Entity {
  String id();

  Path dir();
}
