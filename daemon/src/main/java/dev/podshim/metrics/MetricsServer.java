package dev.podshim.metrics;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/** Serves the Prometheus text format at {@code /metrics} on the configured address. */
public final class MetricsServer {
  private final HttpServer server;

  public MetricsServer(String hostPort, PrometheusMeterRegistry registry) throws IOException {
    int colon = hostPort.lastIndexOf(':');
    String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
    int port = Integer.parseInt(hostPort.substring(colon + 1));
    server = HttpServer.create(new InetSocketAddress(host, port), 16);
    server.createContext("/metrics", exchange -> {
      try (exchange) {
        if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
          exchange.sendResponseHeaders(405, -1);
          return;
        }
        byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    });
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
  }

  public static PrometheusMeterRegistry newRegistry() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  public void start() {
    server.start();
  }

  /** The bound port (useful when configured with port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  public void stop() {
    server.stop(0);
  }
}
