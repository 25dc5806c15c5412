package dev.podshim.config;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The streaming server's settings (Exec, Attach and PortForward URLs point at it).
 *
 * @param address the address to listen on (default 127.0.0.1: kubelet reaches the runtime locally)
 * @param port the TCP port; 0 picks a free one at start
 * @param tlsCert PEM certificate chain; with {@code tlsKey}, the server speaks HTTPS
 * @param tlsKey PEM private key
 * @param maxSessions streaming sessions allowed at once; one more is refused
 * @param tokenTtl how long a URL handed out by Exec, Attach or PortForward stays valid unused (not
 *     configurable, so left out of Status's verbose config, whose JSON has no durations)
 */
public record StreamingConfig(
    String address, int port, @Nullable Path tlsCert, @Nullable Path tlsKey, int maxSessions,
    @JsonIgnore Duration tokenTtl) {
  public static final Duration DEFAULT_TOKEN_TTL = Duration.ofMinutes(1);
  public static final int DEFAULT_MAX_SESSIONS = 128;

  public StreamingConfig {
    requireNonNull(address, "address");
    requireNonNull(tokenTtl, "tokenTtl");
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new ConfigException("stream_tls_cert and stream_tls_key: give both or neither");
    }
    if (port < 0 || port > 65535) {
      throw new ConfigException("stream_port: " + port + " is out of range 0-65535");
    }
    if (maxSessions < 1) {
      throw new ConfigException("stream_max_sessions: must be at least 1");
    }
  }

  public static StreamingConfig defaults() {
    return new StreamingConfig("127.0.0.1", 0, null, null, DEFAULT_MAX_SESSIONS, DEFAULT_TOKEN_TTL);
  }
}
