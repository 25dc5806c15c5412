package dev.podshim.streaming;

import java.nio.charset.StandardCharsets;

/**
 * How a remote command ended, as the client saw it.
 *
 * @param stdout what came on stdout (the first {@link Received#KEEP} bytes)
 * @param stdoutCount all bytes that came on stdout
 * @param stderr what came on stderr
 * @param status what came on the error stream: a metav1.Status JSON from v4 on, the failure's
 *     message (or nothing) before
 * @param protocol the protocol the server chose
 */
public record ExecResult(byte[] stdout, long stdoutCount, byte[] stderr, String status, String protocol) {
  public String stdoutText() {
    return new String(stdout, StandardCharsets.UTF_8);
  }

  public String stderrText() {
    return new String(stderr, StandardCharsets.UTF_8);
  }
}
