package dev.podshim.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Writes small tar streams for tests: ustar headers, PAX records for long names and xattrs. */
final class TestTar {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private long mtime = 1_700_000_000L;

  TestTar dir(String name) {
    return entry(name, '5', new byte[0], 0755, 0, 0, "", 0, 0, Map.of());
  }

  TestTar dir(String name, int mode, int uid, int gid) {
    return entry(name, '5', new byte[0], mode, uid, gid, "", 0, 0, Map.of());
  }

  TestTar file(String name, String content) {
    return file(name, content.getBytes(StandardCharsets.UTF_8), 0644, 0, 0);
  }

  TestTar file(String name, byte[] content, int mode, int uid, int gid) {
    return entry(name, '0', content, mode, uid, gid, "", 0, 0, Map.of());
  }

  TestTar fileWithXattrs(String name, String content, Map<String, String> xattrs) {
    return entry(name, '0', content.getBytes(StandardCharsets.UTF_8), 0644, 0, 0, "", 0, 0, xattrs);
  }

  TestTar symlink(String name, String target) {
    return entry(name, '2', new byte[0], 0777, 0, 0, target, 0, 0, Map.of());
  }

  TestTar hardlink(String name, String target) {
    return entry(name, '1', new byte[0], 0644, 0, 0, target, 0, 0, Map.of());
  }

  TestTar charDevice(String name, int major, int minor) {
    return entry(name, '3', new byte[0], 0666, 0, 0, "", major, minor, Map.of());
  }

  TestTar fifo(String name) {
    return entry(name, '6', new byte[0], 0600, 0, 0, "", 0, 0, Map.of());
  }

  TestTar whiteout(String dir, String name) {
    return file((dir.isEmpty() ? "" : dir + "/") + ".wh." + name, new byte[0], 0644, 0, 0);
  }

  TestTar opaque(String dir) {
    return file(dir + "/.wh..wh..opq", new byte[0], 0644, 0, 0);
  }

  TestTar entry(String name, char type, byte[] content, int mode, int uid, int gid, String link, int major, int minor,
      Map<String, String> xattrs) {
    Map<String, String> pax = new LinkedHashMap<>();
    if (name.getBytes(StandardCharsets.UTF_8).length > 99) {
      pax.put("path", name);
    }
    if (link.getBytes(StandardCharsets.UTF_8).length > 99) {
      pax.put("linkpath", link);
    }
    xattrs.forEach((k, v) -> pax.put("SCHILY.xattr." + k, v));
    if (!pax.isEmpty()) {
      StringBuilder records = new StringBuilder();
      pax.forEach((k, v) -> records.append(record(k, v)));
      byte[] data = records.toString().getBytes(StandardCharsets.UTF_8);
      header("PaxHeader", 'x', data.length, 0644, 0, 0, "", 0, 0);
      write(data);
    }
    header(trim(name), type, content.length, mode, uid, gid, trim(link), major, minor);
    write(content);
    return this;
  }

  private static String trim(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return b.length > 99 ? new String(b, 0, 99, StandardCharsets.UTF_8) : s;
  }

  private static String record(String k, String v) {
    String body = " " + k + "=" + v + "\n";
    int len = body.getBytes(StandardCharsets.UTF_8).length;
    int total = len + String.valueOf(len).length();
    if (String.valueOf(total).length() != String.valueOf(len).length()) {
      total++;
    }
    return total + body;
  }

  private void header(String name, char type, long size, int mode, int uid, int gid, String link, int major, int minor) {
    byte[] h = new byte[512];
    put(h, 0, 100, name);
    octal(h, 100, 8, mode);
    octal(h, 108, 8, uid);
    octal(h, 116, 8, gid);
    octal(h, 124, 12, size);
    octal(h, 136, 12, mtime);
    h[156] = (byte) type;
    put(h, 157, 100, link);
    put(h, 257, 6, "ustar");
    h[262] = 0;
    put(h, 263, 2, "00");
    octal(h, 329, 8, major);
    octal(h, 337, 8, minor);
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    String chk = String.format("%06o", sum);
    put(h, 148, 6, chk);
    h[154] = 0;
    h[155] = ' ';
    out.writeBytes(h);
  }

  private void write(byte[] data) {
    out.writeBytes(data);
    int pad = (512 - data.length % 512) % 512;
    out.writeBytes(new byte[pad]);
  }

  private static void put(byte[] h, int off, int len, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(b, 0, h, off, Math.min(len, b.length));
  }

  private static void octal(byte[] h, int off, int len, long v) {
    String s = String.format("%0" + (len - 1) + "o", v);
    put(h, off, len - 1, s);
    h[off + len - 1] = 0;
  }

  /** The archive with its end-of-archive blocks. */
  byte[] bytes() {
    ByteArrayOutputStream copy = new ByteArrayOutputStream();
    copy.writeBytes(out.toByteArray());
    copy.writeBytes(new byte[1024]);
    return copy.toByteArray();
  }

  byte[] gzip() {
    return gzip(bytes());
  }

  static byte[] gzip(byte[] data) {
    try {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      try (GZIPOutputStream g = new GZIPOutputStream(b)) {
        g.write(data);
      }
      return b.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] zstd(byte[] data) {
    return com.github.luben.zstd.Zstd.compress(data, 3);
  }
}
