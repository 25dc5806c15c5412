package dev.podshim.image;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An image as the CRI shows it.
 *
 * @param id the config digest
 * @param size bytes as the registry counts them (manifest, config, compressed layers)
 * @param uid the numeric user from the config's User field, null when it names a user or is empty
 * @param username the user name from the config's User field, empty when numeric or empty
 * @param pinned whether the config pins it (RemoveImage refuses it)
 */
public record ImageInfo(String id, List<String> repoTags, List<String> repoDigests, long size, @Nullable Long uid,
    String username, boolean pinned) {
  public ImageInfo {
    repoTags = List.copyOf(repoTags);
    repoDigests = List.copyOf(repoDigests);
  }
}
