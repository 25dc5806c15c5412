package dev.podshim.container;

import static dev.podshim.container.Fields.SECURITY;
import static dev.podshim.container.Fields.invalid;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podshim.oci.DefaultSeccomp;
import dev.podshim.os.OsException;
import dev.podshim.os.RegularFile;
import dev.podshim.store.ContainerConfig.Security;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** The spec's {@code linux.seccomp}: the default profile, a profile file of the node's, or none. */
final class SpecSeccomp {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String FIELD = SECURITY + ".seccomp.localhost_ref";
  /**
   * The largest profile file read. containerd and CRI-O read the whole file, unbounded; Docker's
   * default profile, the largest in common use, is about 20 KB, so 1 MiB leaves room for any real one.
   */
  static final int MAX_PROFILE_BYTES = 1 << 20;

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

  /**
   * A profile file on the node, already in the spec's form; it is used as it is. Only a regular
   * file is read (see {@link RegularFile}), and a parse error says where, never what: the file may
   * be anything the node holds, /etc/shadow included.
   */
  private static ObjectNode localhost(String ref) {
    byte[] bytes;
    try {
      bytes = RegularFile.read(Path.of(ref), MAX_PROFILE_BYTES);
    } catch (OsException e) {
      if (e.errno() == OsException.ENOENT) {
        throw invalid(FIELD, "seccomp profile " + ref + " does not exist");
      }
      throw invalid(FIELD, "cannot read seccomp profile: " + e.getMessage());
    }
    JsonNode profile;
    try {
      profile = MAPPER.readTree(bytes);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw invalid(FIELD, "seccomp profile " + ref + " is not JSON"
          + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
    } catch (IOException e) {
      throw invalid(FIELD, "cannot read seccomp profile " + ref + ": " + e.getClass().getSimpleName());
    }
    if (profile == null || !profile.isObject()) {
      throw invalid(FIELD, "seccomp profile " + ref + " is not a JSON object");
    }
    SeccompProfileCheck.check(FIELD, ref, profile);
    return (ObjectNode) profile;
  }
}
