/**
 * The streaming server of Exec, Attach and PortForward: the RPCs hand out a single-use URL, and
 * the client (kubelet, kubectl through the apiserver, crictl) opens it here and speaks the
 * Kubernetes remotecommand or portforward protocol over SPDY/3.1 or WebSocket.
 */
@NullMarked
package dev.podshim.streaming;

import org.jspecify.annotations.NullMarked;
