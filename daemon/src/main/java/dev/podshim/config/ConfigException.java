package dev.podshim.config;

/** A configuration problem that stops start-up; the message names the key at fault. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
