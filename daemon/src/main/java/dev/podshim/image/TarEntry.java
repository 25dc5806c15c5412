package dev.podshim.image;

import java.util.Map;

/**
 * One header of a tar stream, after PAX and GNU long-name records were folded in.
 *
 * @param name the entry's path as written (may start with ./ or /)
 * @param type the typeflag: {@link #FILE}, {@link #DIR}, {@link #SYMLINK}…
 * @param size bytes of content that follow (regular files only)
 * @param mode permission bits including setuid/setgid/sticky
 * @param linkName symlink target or hard link source
 * @param xattrs extended attributes from PAX SCHILY.xattr / LIBARCHIVE.xattr records
 */
record TarEntry(String name, char type, long size, int mode, int uid, int gid, long mtimeSeconds,
    long mtimeNanos, String linkName, long devMajor, long devMinor, Map<String, byte[]> xattrs) {
  static final char FILE = '0';
  static final char HARDLINK = '1';
  static final char SYMLINK = '2';
  static final char CHAR = '3';
  static final char BLOCK = '4';
  static final char DIR = '5';
  static final char FIFO = '6';

  boolean isFile() {
    return type == FILE;
  }
}
