package dev.podshim.image;

/**
 * Credentials a PullImage request carries (CRI AuthConfig): user name and password, or
 * {@code auth} = base64("user:password"), an identity token to exchange for registry tokens, or a
 * registry token to send as is. {@code serverAddress} names the registry they are for; empty
 * means the image's own registry.
 */
public record PullAuth(String username, String password, String auth, String serverAddress, String identityToken,
    String registryToken) {
  public static final PullAuth NONE = new PullAuth("", "", "", "", "", "");

  public PullAuth {
    java.util.Objects.requireNonNull(username, "username");
    java.util.Objects.requireNonNull(password, "password");
    java.util.Objects.requireNonNull(auth, "auth");
    java.util.Objects.requireNonNull(serverAddress, "serverAddress");
    java.util.Objects.requireNonNull(identityToken, "identityToken");
    java.util.Objects.requireNonNull(registryToken, "registryToken");
  }

  public boolean isEmpty() {
    return username.isEmpty() && password.isEmpty() && auth.isEmpty() && identityToken.isEmpty() && registryToken.isEmpty();
  }

  /** The user name and password, with {@code auth} decoded when it is set. */
  public String[] basic() {
    if (!auth.isEmpty()) {
      String decoded;
      try {
        decoded = new String(java.util.Base64.getDecoder().decode(auth.trim()), java.nio.charset.StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("auth.auth: not base64");
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("auth.auth: expected base64 of user:password");
      }
      return new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
    }
    return new String[] {username, password};
  }

  @Override
  public String toString() {
    return "PullAuth[username=" + username + ", serverAddress=" + serverAddress + ", secrets="
        + (password.isEmpty() && auth.isEmpty() && identityToken.isEmpty() && registryToken.isEmpty() ? "none" : "***") + "]";
  }
}
