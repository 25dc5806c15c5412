package dev.podshim.streaming;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The WebSocket subprotocols (Sec-WebSocket-Protocol) kubelet's streaming server accepts. The
 * empty name stands for a client that asked for none: binary channels, pre-v4 status.
 */
final class WsProtocols {
  static final String V5 = "v5.channel.k8s.io";
  static final String V4 = "v4.channel.k8s.io";
  static final String V4_BASE64 = "v4.base64.channel.k8s.io";
  static final String V1 = "channel.k8s.io";
  static final String V1_BASE64 = "base64.channel.k8s.io";
  static final String NONE = "";

  static final List<String> REMOTE_COMMAND = List.of(V5, V4, V4_BASE64, V1, V1_BASE64);
  /** kubelet's portforward/websocket.go: no v5, no pre-v4 names. */
  static final List<String> PORT_FORWARD = List.of(V4, V4_BASE64);

  private WsProtocols() {}

  static List<String> requested(List<String> headerValues) {
    return SpdyProtocols.requested(headerValues);
  }

  /** The first protocol the client lists that is supported; "" when it lists none; null when none fits. */
  static @Nullable String negotiate(List<String> requested, List<String> supported) {
    if (requested.isEmpty()) {
      return NONE;
    }
    return SpdyProtocols.negotiate(requested, supported);
  }

  static boolean base64(String protocol) {
    return protocol.equals(V4_BASE64) || protocol.equals(V1_BASE64);
  }

  /** Statuses as metav1.Status JSON from v4 on. */
  static boolean jsonStatus(String protocol) {
    return protocol.equals(V5) || protocol.equals(V4) || protocol.equals(V4_BASE64);
  }

  static boolean closeSignal(String protocol) {
    return protocol.equals(V5);
  }

}
