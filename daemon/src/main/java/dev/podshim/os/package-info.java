/**
 * The few Linux system calls Java lacks (mounts, the file calls layer unpacking needs, pidfds,
 * epoll, prctl, unix datagrams, posix_spawn), bound once through the Foreign Function &amp;
 * Memory API. Failures throw {@link OsException} with the errno.
 */
@NullMarked
package dev.podshim.os;

import org.jspecify.annotations.NullMarked;
