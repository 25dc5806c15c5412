package dev.podshim.streaming;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The stream protocols negotiated in the SPDY upgrade with {@code X-Stream-Protocol-Version},
 * as kubelet's httpstream.Handshake does: the client lists what it speaks (several headers or
 * comma-separated), the first of them the server knows wins.
 */
final class SpdyProtocols {
  static final String V4 = "v4.channel.k8s.io";
  static final String V3 = "v3.channel.k8s.io";
  static final String V2 = "v2.channel.k8s.io";
  static final String V1 = "channel.k8s.io";
  static final String PORT_FORWARD = "portforward.k8s.io";

  static final List<String> REMOTE_COMMAND = List.of(V4, V3, V2, V1);
  static final List<String> PORT_FORWARDS = List.of(PORT_FORWARD);

  private SpdyProtocols() {}

  static List<String> requested(List<String> headerValues) {
    List<String> out = new ArrayList<>();
    for (String value : headerValues) {
      for (String p : value.split(",")) {
        String trimmed = p.strip();
        if (!trimmed.isEmpty()) {
          out.add(trimmed);
        }
      }
    }
    return out;
  }

  static @Nullable String negotiate(List<String> requested, List<String> supported) {
    for (String p : requested) {
      if (supported.contains(p)) {
        return p;
      }
    }
    return null;
  }
}
