package dev.podshim.image;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** A content digest, {@code sha256:<64 hex>} (sha512 also accepted), as OCI descriptors carry it. */
public record Digest(String algorithm, String hex) {
  private static final Pattern SHA256 = Pattern.compile("[a-f0-9]{64}");
  private static final Pattern SHA512 = Pattern.compile("[a-f0-9]{128}");

  public Digest {
    boolean ok = switch (algorithm) {
      case "sha256" -> SHA256.matcher(hex).matches();
      case "sha512" -> SHA512.matcher(hex).matches();
      default -> false;
    };
    if (!ok) {
      throw new IllegalArgumentException("invalid digest " + algorithm + ":" + hex);
    }
  }

  /** Parses {@code algo:hex}; IllegalArgumentException names what is wrong. */
  public static Digest parse(String s) {
    int colon = s.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("invalid digest \"" + s + "\": expected algorithm:hex");
    }
    return new Digest(s.substring(0, colon), s.substring(colon + 1));
  }

  public static Digest sha256(byte[] bytes) {
    return new Digest("sha256", HexFormat.of().formatHex(newSha256().digest(bytes)));
  }

  public static Digest of(String algorithm, byte[] raw) {
    return new Digest(algorithm, HexFormat.of().formatHex(raw));
  }

  public static MessageDigest newSha256() {
    return newDigest("sha256");
  }

  /** A fresh hasher for this digest's algorithm. */
  public MessageDigest newHasher() {
    return newDigest(algorithm);
  }

  private static MessageDigest newDigest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm.equals("sha256") ? "SHA-256" : "SHA-512");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** The first 12 hex characters, for logs. */
  public String shortHex() {
    return hex.substring(0, 12);
  }

  @Override
  public String toString() {
    return algorithm + ":" + hex;
  }
}
