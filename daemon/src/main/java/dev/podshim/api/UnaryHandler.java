package dev.podshim.api;

/** One CRI method: reads its request, calls one domain service, maps the result. May throw CriException. */
@FunctionalInterface
interface UnaryHandler<Q, R> {
  R handle(Q request);
}
