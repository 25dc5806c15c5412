package dev.podshim.image;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads a tar stream: ustar and GNU headers, PAX extended headers (path, linkpath, size, ids,
 * mtime, xattrs), GNU long names, base-256 numbers. Sparse files are refused.
 */
final class TarReader {
  private static final int BLOCK = 512;

  private final InputStream in;
  private final byte[] header = new byte[BLOCK];
  private final Map<String, byte[]> globalPax = new HashMap<>();
  private long remaining;
  private long padding;
  private boolean ended;

  TarReader(InputStream in) {
    this.in = in;
  }

  /** The next entry, or null at the end of the archive. Unread content of the previous is skipped. */
  @Nullable TarEntry next() throws IOException {
    if (ended) {
      return null;
    }
    skipRest();
    Map<String, byte[]> pax = new LinkedHashMap<>(globalPax);
    String longName = null;
    String longLink = null;
    while (true) {
      if (!readHeader()) {
        ended = true;
        return null;
      }
      char type = (char) (header[156] & 0xff);
      long size = number(124, 12);
      if (size < 0) {
        throw new IOException("tar: negative size");
      }
      switch (type) {
        case 'x', 'g' -> {
          Map<String, byte[]> records = parsePax(readAll(size));
          if (type == 'g') {
            globalPax.putAll(records);
          }
          pax.putAll(records);
          continue;
        }
        case 'L' -> {
          longName = cString(readAll(size));
          continue;
        }
        case 'K' -> {
          longLink = cString(readAll(size));
          continue;
        }
        case 'S' -> throw new IOException("tar: GNU sparse files are not supported");
        default -> { }
      }
      if (pax.keySet().stream().anyMatch(k -> k.startsWith("GNU.sparse."))) {
        throw new IOException("tar: PAX sparse files are not supported");
      }
      boolean ustar = header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
          && header[261] == 'r' && header[262] == 0;
      String name = string(0, 100);
      if (ustar) {
        String prefix = string(345, 155);
        if (!prefix.isEmpty()) {
          name = prefix + "/" + name;
        }
      }
      if (longName != null) {
        name = longName;
      }
      String link = longLink != null ? longLink : string(157, 100);
      int uid = (int) number(108, 8);
      int gid = (int) number(116, 8);
      long mtime = number(136, 12);
      long nanos = 0;
      if (pax.containsKey("path")) {
        name = utf8(pax.get("path"));
      }
      if (pax.containsKey("linkpath")) {
        link = utf8(pax.get("linkpath"));
      }
      if (pax.containsKey("size")) {
        size = Long.parseLong(utf8(pax.get("size")));
      }
      if (pax.containsKey("uid")) {
        uid = (int) Long.parseLong(utf8(pax.get("uid")));
      }
      if (pax.containsKey("gid")) {
        gid = (int) Long.parseLong(utf8(pax.get("gid")));
      }
      if (pax.containsKey("mtime")) {
        String t = utf8(pax.get("mtime"));
        int dot = t.indexOf('.');
        mtime = Long.parseLong(dot < 0 ? t : t.substring(0, dot));
        if (dot >= 0) {
          String frac = (t.substring(dot + 1) + "000000000").substring(0, 9);
          nanos = Long.parseLong(frac);
        }
      }
      Map<String, byte[]> xattrs = new LinkedHashMap<>();
      for (Map.Entry<String, byte[]> e : pax.entrySet()) {
        if (e.getKey().startsWith("SCHILY.xattr.")) {
          xattrs.put(e.getKey().substring("SCHILY.xattr.".length()), e.getValue());
        } else if (e.getKey().startsWith("LIBARCHIVE.xattr.")) {
          String key = java.net.URLDecoder.decode(e.getKey().substring("LIBARCHIVE.xattr.".length()), StandardCharsets.UTF_8);
          xattrs.put(key, Base64.getDecoder().decode(utf8(e.getValue()).replace("=", "")));
        }
      }
      if (type == 0 || type == '7') {
        type = TarEntry.FILE;
      }
      if (type == TarEntry.FILE && name.endsWith("/")) {
        type = TarEntry.DIR; // old tars mark directories by a trailing slash only
      }
      long contentSize = (type == TarEntry.FILE) ? size : (type == TarEntry.HARDLINK || type == TarEntry.SYMLINK
          || type == TarEntry.DIR || type == TarEntry.CHAR || type == TarEntry.BLOCK || type == TarEntry.FIFO) ? 0 : size;
      remaining = contentSize;
      padding = (BLOCK - (contentSize % BLOCK)) % BLOCK;
      if (contentSize == 0 && size > 0 && type != TarEntry.FILE) {
        // some writers give hard links a size; the data is not there
        remaining = 0;
        padding = 0;
      }
      return new TarEntry(name, type, contentSize, (int) (number(100, 8) & 07777), uid, gid, mtime, nanos, link,
          number(329, 8), number(337, 8), Map.copyOf(xattrs));
    }
  }

  /** The current entry's content; reading past its end returns -1. */
  InputStream content() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (remaining <= 0) {
          return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
          throw new EOFException("tar: truncated entry");
        }
        remaining -= n;
        return n;
      }
    };
  }

  private void skipRest() throws IOException {
    skip(remaining + padding);
    remaining = 0;
    padding = 0;
  }

  private void skip(long n) throws IOException {
    byte[] buf = new byte[8192];
    while (n > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, n));
      if (r < 0) {
        throw new EOFException("tar: truncated archive");
      }
      n -= r;
    }
  }

  /** Reads one header block; false at the end-of-archive marker or at a clean end of stream. */
  private boolean readHeader() throws IOException {
    int got = in.readNBytes(header, 0, BLOCK);
    if (got == 0) {
      return false;
    }
    if (got < BLOCK) {
      throw new EOFException("tar: truncated header");
    }
    boolean zero = true;
    for (byte b : header) {
      if (b != 0) {
        zero = false;
        break;
      }
    }
    if (zero) {
      return false;
    }
    long stored;
    try {
      stored = number(148, 8);
    } catch (IOException e) {
      throw new IOException("tar: header checksum unreadable (not a tar stream?)");
    }
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : (header[i] & 0xff);
    }
    if (sum != stored) {
      throw new IOException("tar: header checksum mismatch (not a tar stream?)");
    }
    return true;
  }

  private byte[] readAll(long size) throws IOException {
    if (size > 16 * 1024 * 1024) {
      throw new IOException("tar: extended header of " + size + " bytes is too large");
    }
    byte[] data = in.readNBytes((int) size);
    if (data.length < size) {
      throw new EOFException("tar: truncated extended header");
    }
    skip((BLOCK - (size % BLOCK)) % BLOCK);
    return data;
  }

  private static Map<String, byte[]> parsePax(byte[] data) throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    int pos = 0;
    while (pos < data.length) {
      int space = pos;
      while (space < data.length && data[space] != ' ') {
        space++;
      }
      if (space >= data.length) {
        break;
      }
      int len;
      try {
        len = Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw new IOException("tar: bad PAX record length");
      }
      if (len <= 0 || pos + len > data.length) {
        throw new IOException("tar: bad PAX record length " + len);
      }
      int end = pos + len - 1; // the record's trailing newline
      int eq = space + 1;
      while (eq < end && data[eq] != '=') {
        eq++;
      }
      String key = new String(data, space + 1, eq - space - 1, StandardCharsets.UTF_8);
      byte[] value = java.util.Arrays.copyOfRange(data, Math.min(eq + 1, end), end);
      out.put(key, value);
      pos += len;
    }
    return out;
  }

  private String string(int off, int len) {
    int end = off;
    while (end < off + len && header[end] != 0) {
      end++;
    }
    return new String(header, off, end - off, StandardCharsets.UTF_8);
  }

  private long number(int off, int len) throws IOException {
    if ((header[off] & 0x80) != 0) {
      long v = header[off] & 0x7f;
      for (int i = off + 1; i < off + len; i++) {
        v = (v << 8) | (header[i] & 0xff);
      }
      return v;
    }
    long v = 0;
    boolean any = false;
    for (int i = off; i < off + len; i++) {
      byte b = header[i];
      if (b == 0 || b == ' ') {
        if (any) {
          break;
        }
        continue;
      }
      if (b < '0' || b > '7') {
        throw new IOException("tar: bad octal number in header");
      }
      v = (v << 3) | (b - '0');
      any = true;
    }
    return v;
  }

  private static String cString(byte[] data) {
    int end = 0;
    while (end < data.length && data[end] != 0) {
      end++;
    }
    return new String(data, 0, end, StandardCharsets.UTF_8);
  }

  private static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
