package dev.podshim.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.errors.CriException;
import io.grpc.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class StatusMapperTest {
  @ParameterizedTest
  @EnumSource(CriException.Kind.class)
  void everyKindHasItsCodeAndKeepsTheMessage(CriException.Kind kind) {
    Status status = StatusMapper.toStatus(new CriException(kind, "container 3f2a: it broke"));
    assertThat(status.getCode().name()).isEqualTo(kind.name());
    assertThat(status.getDescription()).isEqualTo("container 3f2a: it broke");
  }

  @Test
  void aWrappedDomainErrorKeepsItsKind() {
    Status status = StatusMapper.toStatus(new CompletionException(CriException.notFound("container x not found")));
    assertThat(status.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(status.getDescription()).isEqualTo("container x not found");
  }

  @Test
  void anythingElseIsInternalNamingTheRootCause() {
    Status status = StatusMapper.toStatus(new UncheckedIOException("write status.json", new IOException("No space left")));
    assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(status.getDescription()).contains("write status.json").contains("No space left");
  }

  /** A description travels in the trailers: one that echoes a huge value would overflow the client's limit. */
  @Test
  void aDescriptionIsCutShortOfTheClientsHeaderLimit() {
    Status status = StatusMapper.toStatus(CriException.invalidArgument("field: " + "x".repeat(1 << 20)));
    assertThat(status.getDescription()).hasSizeLessThan(2200).startsWith("field: xxx").endsWith(" more characters)");
    assertThat(StatusMapper.toStatus(CriException.invalidArgument("short")).getDescription()).isEqualTo("short");
  }
}
