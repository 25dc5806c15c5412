package dev.podshim.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Versioned JSON state files, written so that a crash at any instant leaves either the old or
 * the new content: temp file in the same directory, fsync, rename. The directory is not fsynced:
 * a daemon crash keeps the page cache, and after a power loss every pause is gone anyway, so a
 * rename that did not reach the disk only means recovery reads the previous, consistent state.
 */
public final class StateFile {
  /** The only on-disk format this daemon reads and writes. */
  public static final int VERSION = 1;

  private static final ObjectMapper MAPPER = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
      // paths as plain strings, not file:// URIs
      .registerModule(new SimpleModule().addSerializer(Path.class, ToStringSerializer.instance));

  private StateFile() {}

  public static void write(Path file, Object value) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("version", VERSION);
    node.setAll((ObjectNode) MAPPER.valueToTree(value));
    try {
      writeAtomically(file, MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(node));
    } catch (IOException e) {
      throw new UncheckedIOException("write " + file, e);
    }
  }

  public static <T> T read(Path file, Class<T> type) throws IOException {
    JsonNode node = MAPPER.readTree(file.toFile());
    if (node == null || !node.isObject()) {
      throw new IOException(file + ": not a JSON object");
    }
    int version = node.path("version").asInt(-1);
    if (version != VERSION) {
      throw new IOException(file + ": unknown state version " + node.path("version") + " (this daemon reads version " + VERSION + ")");
    }
    ((ObjectNode) node).remove("version");
    return MAPPER.treeToValue(node, type);
  }

  /** JSON text of a value, for verbose status answers and logs. */
  public static String toJson(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A JSON document as a tree, for embedding a file the daemon wrote into a verbose answer. */
  public static JsonNode parseJson(byte[] json) throws IOException {
    return MAPPER.readTree(json);
  }

  static void writeAtomically(Path file, byte[] bytes) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = dir.resolve("." + file.getFileName() + ".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
