package dev.podshim.cdi;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * One spec file read and checked: JSON for {@code .json}, YAML for {@code .yaml}, unknown fields
 * refused (as the CDI spec's loaders refuse them), then every rule of the CDI spec on names,
 * versions and edits. A file that breaks one is not loaded at all.
 *
 * @param priority the index of its directory: a later directory wins over an earlier one
 */
record SpecFile(Path path, int priority, CdiSpec spec, String vendor, String deviceClass) {
  /** Vendors' files list a few hundred mounts at most; a bigger one is not read. */
  static final long MAX_BYTES = 4L << 20;
  private static final ObjectMapper JSON = configure(JsonMapper.builder()).build();
  private static final ObjectMapper YAML = configure(YAMLMapper.builder()).build();

  /** Why a spec file was skipped. */
  static final class BadSpecException extends Exception {
    BadSpecException(String message) {
      super(message);
    }
  }

  private static <M extends ObjectMapper, B extends com.fasterxml.jackson.databind.cfg.MapperBuilder<M, B>> B configure(
      B builder) {
    // field names as Go's encoding/json matches them (the reference loader), duplicates refused
    return builder.enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  }

  static boolean isSpecFileName(String name) {
    return name.endsWith(".json") || name.endsWith(".yaml");
  }

  static SpecFile read(Path path, int priority) throws BadSpecException, IOException {
    if (Files.size(path) > MAX_BYTES) {
      throw new BadSpecException("larger than " + MAX_BYTES + " bytes");
    }
    byte[] bytes = Files.readAllBytes(path);
    return parse(path, priority, bytes);
  }

  static SpecFile parse(Path path, int priority, byte[] bytes) throws BadSpecException {
    if (new String(bytes, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
      throw new BadSpecException("is empty");
    }
    CdiSpec spec;
    try {
      spec = (path.toString().endsWith(".json") ? JSON : YAML).readValue(bytes, CdiSpec.class);
    } catch (JsonProcessingException e) {
      throw new BadSpecException("cannot parse: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new BadSpecException("cannot parse: " + e.getMessage());
    }
    if (spec == null) {
      throw new BadSpecException("is empty");
    }
    try {
      return validated(path, priority, spec);
    } catch (IllegalArgumentException e) {
      throw new BadSpecException(e.getMessage());
    }
  }

  private static SpecFile validated(Path path, int priority, CdiSpec spec) {
    if (spec.cdiVersion().isEmpty()) {
      throw new IllegalArgumentException("cdiVersion is missing");
    }
    SpecVersion declared = SpecVersion.parse(spec.cdiVersion());
    SpecVersion.Required required = SpecVersion.required(spec);
    if (declared.compareTo(required.version()) < 0) {
      throw new IllegalArgumentException("uses " + required.feature() + ", which needs cdiVersion "
          + required.version() + " or later, but declares " + spec.cdiVersion());
    }
    String[] kind = DeviceName.parseKind(spec.kind());
    EditsCheck.check("containerEdits", spec.containerEdits());
    if (spec.devices().isEmpty()) {
      throw new IllegalArgumentException("defines no devices");
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < spec.devices().size(); i++) {
      CdiSpec.Device d = spec.devices().get(i);
      String where = "devices[" + i + "]";
      try {
        DeviceName.checkDeviceName(d.name());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage());
      }
      if (!names.add(d.name())) {
        throw new IllegalArgumentException(where + ": device " + d.name() + " is defined twice");
      }
      if (d.containerEdits().isEmpty()) {
        throw new IllegalArgumentException(where + " (" + d.name() + "): containerEdits are empty");
      }
      EditsCheck.check(where + ".containerEdits", d.containerEdits());
    }
    return new SpecFile(path, priority, spec, kind[0], kind[1]);
  }
}
