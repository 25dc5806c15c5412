package dev.podshim.streaming;

import dev.podshim.cri.v1.AttachRequest;
import dev.podshim.cri.v1.ExecRequest;
import dev.podshim.cri.v1.PortForwardRequest;

/**
 * Hands out the single-use URLs that Exec, Attach and PortForward answer with. The request is
 * validated before (the container runs, the pod is ready) and kept with the URL's token, so the
 * session does what was asked when the client opens the URL.
 */
public interface StreamUrls {
  String exec(ExecRequest request);

  String attach(AttachRequest request);

  String portForward(PortForwardRequest request);

  /** Where the server listens, e.g. {@code http://127.0.0.1:37215}, for Status's verbose info. */
  String baseUrl();
}
