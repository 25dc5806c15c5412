package dev.podshim.streaming;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Whether an upgrade request can succeed, decided before its token is taken: a request that is
 * refused (no WebSocket key, a protocol nobody speaks, no port to forward) is a 4xx answer that
 * leaves the URL usable, as a wrong path or a full server does.
 */
final class UpgradeCheck {
  /** RFC 6455's version, the only one kubelet's clients speak. */
  static final String WEBSOCKET_VERSION = "13";

  private UpgradeCheck() {}

  /** What the check decided. */
  sealed interface Verdict permits Accepted, Refused {}

  /**
   * The upgrade can go ahead with {@code protocol} (empty for a WebSocket client that named
   * none); {@code ports} are a port forward's, from the request or else from the URL.
   */
  record Accepted(String protocol, List<Integer> ports) implements Verdict {}

  /** The answer to send instead. */
  record Refused(FullHttpResponse response) implements Verdict {}

  static Verdict spdy(FullHttpRequest request, StreamTarget target) {
    List<String> supported = target instanceof StreamTarget.PortForward
        ? SpdyProtocols.PORT_FORWARDS : SpdyProtocols.REMOTE_COMMAND;
    List<String> requested = SpdyProtocols.requested(request.headers().getAll(HttpEntry.HEADER_PROTOCOL));
    if (requested.isEmpty()) {
      return refused(HttpResponseStatus.BAD_REQUEST, "unable to upgrade: " + HttpEntry.HEADER_PROTOCOL
          + " is required");
    }
    String chosen = SpdyProtocols.negotiate(requested, supported);
    if (chosen == null) {
      FullHttpResponse forbidden = HttpEntry.response(HttpResponseStatus.FORBIDDEN, "unable to upgrade: unable to "
          + "negotiate protocol: client supports " + requested + ", server accepts " + supported);
      supported.forEach(p -> forbidden.headers().add(HttpEntry.HEADER_ACCEPTED, p));
      return new Refused(forbidden);
    }
    return new Accepted(chosen, List.of());
  }

  static Verdict webSocket(FullHttpRequest request, QueryStringDecoder uri, StreamTarget target) {
    // checked here, not by Netty's handshaker: it throws on a missing key, after the token was taken
    if (!WEBSOCKET_VERSION.equals(request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION))) {
      FullHttpResponse upgradeRequired = HttpEntry.response(HttpResponseStatus.UPGRADE_REQUIRED,
          "unsupported WebSocket version; this server speaks " + WEBSOCKET_VERSION);
      upgradeRequired.headers().set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, WEBSOCKET_VERSION);
      return new Refused(upgradeRequired);
    }
    if (request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_KEY, "").isBlank()) {
      return refused(HttpResponseStatus.BAD_REQUEST, "not a WebSocket handshake: Sec-WebSocket-Key is missing");
    }
    List<String> supported = target instanceof StreamTarget.PortForward
        ? WsProtocols.PORT_FORWARD : WsProtocols.REMOTE_COMMAND;
    List<String> requested = WsProtocols.requested(request.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL));
    String chosen = WsProtocols.negotiate(requested, supported);
    if (chosen == null) {
      return refused(HttpResponseStatus.FORBIDDEN, "requested protocol(s) are not supported: " + requested
          + "; supports " + supported);
    }
    if (!(target instanceof StreamTarget.PortForward pf) || !pf.ports().isEmpty()) {
      return new Accepted(chosen, target instanceof StreamTarget.PortForward pf ? pf.ports() : List.of());
    }
    // as kubelet's own server: a request naming no ports takes them from the URL
    List<Integer> fromQuery = new ArrayList<>();
    for (String value : uri.parameters().getOrDefault("port", List.of())) {
      String problem = parsePorts(value, fromQuery);
      if (problem != null) {
        return refused(HttpResponseStatus.BAD_REQUEST, problem);
      }
    }
    if (fromQuery.isEmpty()) {
      return refused(HttpResponseStatus.BAD_REQUEST, "query parameter \"port\" is required");
    }
    return new Accepted(chosen, List.copyOf(fromQuery));
  }

  /** kubelet's NewV4Options: comma-separated ports 1..65535. */
  private static @Nullable String parsePorts(String value, List<Integer> out) {
    if (value.isEmpty()) {
      return "query parameter \"port\" cannot be empty";
    }
    for (String p : value.split(",")) {
      int port;
      try {
        port = Integer.parseInt(p);
      } catch (NumberFormatException e) {
        return "unable to parse \"" + value + "\" as a port";
      }
      if (port < 1 || port > 65535) {
        return "port \"" + value + "\" must be between 1 and 65535";
      }
      out.add(port);
    }
    return null;
  }

  private static Refused refused(HttpResponseStatus status, String message) {
    return new Refused(HttpEntry.response(status, message));
  }
}
