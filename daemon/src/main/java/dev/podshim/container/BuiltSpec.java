package dev.podshim.container;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A container's OCI runtime spec (what goes into the bundle's config.json) and the user its
 * process runs as, which the container's status reports.
 */
public record BuiltSpec(ObjectNode spec, ResolvedUser user) {
  public BuiltSpec {
    requireNonNull(spec, "spec");
    requireNonNull(user, "user");
  }
}
