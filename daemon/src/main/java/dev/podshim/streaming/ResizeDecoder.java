package dev.podshim.streaming;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The resize stream: a sequence of JSON objects {@code {"Width":80,"Height":24}} (client-go's
 * TerminalSize, one json.Encoder call each) that frames may split or join anyhow, so objects are
 * cut out by brace depth, strings respected. A client sending garbage or a giant object gets
 * its resize stream ignored from there on; the command goes on.
 */
final class ResizeDecoder {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** A TerminalSize is ~30 bytes; anything much longer is not one. */
  private static final int MAX_OBJECT = 4096;

  record Size(int width, int height) {}

  private final ByteArrayOutputStream current = new ByteArrayOutputStream();
  private int depth;
  private boolean inString;
  private boolean escaped;
  private boolean broken;

  /** Feeds bytes; returns the sizes completed by them. */
  List<Size> feed(ByteBuf data) {
    List<Size> sizes = new ArrayList<>(1);
    while (data.isReadable() && !broken) {
      byte b = data.readByte();
      if (depth == 0) {
        if (b == '{') {
          depth = 1;
          current.reset();
          current.write(b);
        } else if (!Character.isWhitespace(b)) {
          broken = true;
        }
        continue;
      }
      current.write(b);
      if (current.size() > MAX_OBJECT) {
        broken = true;
      } else if (inString) {
        if (escaped) {
          escaped = false;
        } else if (b == '\\') {
          escaped = true;
        } else if (b == '"') {
          inString = false;
        }
      } else if (b == '"') {
        inString = true;
      } else if (b == '{') {
        depth++;
      } else if (b == '}' && --depth == 0) {
        parse(current.toByteArray(), sizes);
      }
    }
    data.skipBytes(data.readableBytes());
    return sizes;
  }

  private void parse(byte[] object, List<Size> sizes) {
    try {
      JsonNode node = JSON.readTree(object);
      // Go's decoder matches field names case-insensitively; clients send Width/Height
      int width = field(node, "Width");
      int height = field(node, "Height");
      if (width >= 0 && height >= 0 && width <= 0xffff && height <= 0xffff) {
        sizes.add(new Size(width, height));
      }
    } catch (IOException e) {
      broken = true;
    }
  }

  private static int field(JsonNode node, String name) {
    var it = node.fields();
    while (it.hasNext()) {
      var e = it.next();
      if (e.getKey().equalsIgnoreCase(name) && e.getValue().canConvertToInt()) {
        return e.getValue().asInt();
      }
    }
    return 0;
  }
}
