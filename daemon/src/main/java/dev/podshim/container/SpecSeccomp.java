package dev.podshim.container;

import static dev.podshim.container.Fields.SECURITY;
import static dev.podshim.container.Fields.invalid;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podshim.oci.DefaultSeccomp;
import dev.podshim.store.ContainerConfig.Security;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** The spec's {@code linux.seccomp}: the default profile, a profile file of the node's, or none. */
final class SpecSeccomp {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String FIELD = SECURITY + ".seccomp.localhost_ref";

  private SpecSeccomp() {}

  /** Null for no filter: Unconfined, or privileged (containerd applies none to a privileged container). */
  static @Nullable ObjectNode build(Security security, Set<String> caps) {
    if (security.privileged()) {
      return null;
    }
    return switch (security.seccomp().type()) {
      case UNCONFINED -> null;
      case RUNTIME_DEFAULT -> DefaultSeccomp.profile(caps);
      case LOCALHOST -> localhost(Fields.absolute(FIELD, security.seccomp().localhostRef()));
    };
  }

  /** A profile file on the node, already in the spec's form; it is used as it is. */
  private static ObjectNode localhost(String ref) {
    Path path = Path.of(ref);
    JsonNode profile;
    try {
      profile = MAPPER.readTree(Files.readString(path));
    } catch (NoSuchFileException e) {
      throw invalid(FIELD, "seccomp profile " + ref + " does not exist");
    } catch (JsonProcessingException e) {
      throw invalid(FIELD, "seccomp profile " + ref + " is not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw invalid(FIELD, "cannot read seccomp profile " + ref + ": " + e);
    }
    if (profile == null || !profile.isObject()) {
      throw invalid(FIELD, "seccomp profile " + ref + " is not a JSON object");
    }
    return (ObjectNode) profile;
  }
}
