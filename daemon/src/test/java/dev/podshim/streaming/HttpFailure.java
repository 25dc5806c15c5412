package dev.podshim.streaming;

import java.io.IOException;

/** The server answered the upgrade with an HTTP status instead of switching protocols. */
public final class HttpFailure extends IOException {
  private final int status;
  private final String body;

  public HttpFailure(int status, String body) {
    super("HTTP " + status + ": " + body.strip());
    this.status = status;
    this.body = body;
  }

  public int status() {
    return status;
  }

  public String body() {
    return body;
  }
}
