package dev.podshim.image;

import dev.podshim.errors.Inputs;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * An image reference normalised the way kubelet and containerd do: {@code busybox} is
 * {@code docker.io/library/busybox:latest}; a reference with a digest pulls that digest (a tag
 * next to it is dropped, as containerd's ParseDockerRef does).
 *
 * @param domain registry host[:port], {@code docker.io} for Docker Hub
 * @param path repository path inside the registry, e.g. {@code library/busybox}
 * @param tag the tag, null when the reference is by digest
 * @param digest the manifest digest, null when the reference is by tag
 */
public record ImageReference(String domain, String path, @Nullable String tag, @Nullable Digest digest) {
  public static final String DOCKER_HUB = "docker.io";

  private static final Pattern DOMAIN = Pattern.compile(
      "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?"
          + "|\\[[0-9a-fA-F:.]+\\](?::[0-9]+)?");
  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");

  /** {@code domain/path}, the repository name. */
  public String name() {
    return domain + "/" + path;
  }

  /** {@code name:tag}, or null when this reference has no tag. */
  public @Nullable String repoTag() {
    return tag == null ? null : name() + ":" + tag;
  }

  /** {@code name@digest} for a given manifest digest. */
  public String repoDigest(Digest manifest) {
    return name() + "@" + manifest;
  }

  /** What to ask the registry for: the digest if there is one, else the tag. */
  public String manifestReference() {
    return digest != null ? digest.toString() : java.util.Objects.requireNonNull(tag);
  }

  @Override
  public String toString() {
    return digest != null ? name() + "@" + digest : name() + ":" + tag;
  }

  /**
   * Parses and normalises a reference. {@link IllegalArgumentException} says what is wrong.
   */
  public static ImageReference parse(String raw) {
    String s = raw.strip();
    if (s.isEmpty()) {
      throw new IllegalArgumentException("empty image reference");
    }
    if (s.length() > 4096) {
      throw new IllegalArgumentException("image reference too long");
    }
    Digest digest = null;
    int at = s.indexOf('@');
    if (at >= 0) {
      try {
        digest = Digest.parse(s.substring(at + 1));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("invalid reference " + Inputs.quoted(raw) + ": " + e.getMessage());
      }
      s = s.substring(0, at);
    }
    String tag = null;
    int lastSlash = s.lastIndexOf('/');
    int colon = s.lastIndexOf(':');
    if (colon > lastSlash) {
      tag = s.substring(colon + 1);
      s = s.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw new IllegalArgumentException("invalid reference " + Inputs.quoted(raw) + ": invalid tag \"" + tag + "\"");
      }
    }
    String domain;
    String path;
    int slash = s.indexOf('/');
    String first = slash < 0 ? s : s.substring(0, slash);
    if (slash >= 0 && (first.contains(".") || first.contains(":") || first.equals("localhost")
        || !first.equals(first.toLowerCase(java.util.Locale.ROOT)))) {
      domain = first;
      path = s.substring(slash + 1);
    } else {
      domain = DOCKER_HUB;
      path = s;
    }
    if (domain.equals("index.docker.io") || domain.equals("registry-1.docker.io")) {
      domain = DOCKER_HUB;
    }
    if (domain.equals(DOCKER_HUB) && path.indexOf('/') < 0) {
      path = "library/" + path;
    }
    int portColon = domain.lastIndexOf(':');
    if (portColon > 0 && domain.indexOf(']') < portColon && DOMAIN.matcher(domain).matches()) {
      String port = domain.substring(portColon + 1);
      if (port.length() > 5 || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
        throw new IllegalArgumentException("invalid reference " + Inputs.quoted(raw) + ": registry port " + port
            + " is not between 1 and 65535");
      }
    }
    if (!DOMAIN.matcher(domain).matches()) {
      throw new IllegalArgumentException("invalid reference " + Inputs.quoted(raw) + ": invalid registry host \"" + domain + "\"");
    }
    for (String component : path.split("/", -1)) {
      if (!COMPONENT.matcher(component).matches()) {
        String why = component.equals(component.toLowerCase(java.util.Locale.ROOT))
            ? "invalid repository name component \"" + component + "\""
            : "repository name must be lowercase";
        throw new IllegalArgumentException("invalid reference " + Inputs.quoted(raw) + ": " + why);
      }
    }
    if (path.length() + domain.length() + 1 > 255) {
      throw new IllegalArgumentException("invalid reference " + Inputs.quoted(raw) + ": repository name longer than 255 characters");
    }
    if (digest != null) {
      tag = null;
    } else if (tag == null) {
      tag = "latest";
    }
    return new ImageReference(domain, path, tag, digest);
  }

  /** Whether {@code s} looks like a bare image id or digest ({@code sha256:…} or 64 hex). */
  public static boolean looksLikeId(String s) {
    String t = s.strip();
    return t.matches("sha256:[a-f0-9]{64}") || t.matches("[a-f0-9]{64}");
  }
}
