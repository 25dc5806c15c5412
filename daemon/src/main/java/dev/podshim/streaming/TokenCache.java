package dev.podshim.streaming;

import static java.util.Objects.requireNonNull;

import dev.podshim.errors.CriException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The requests handed out as URLs and not yet opened, each under a single-use random token.
 * Entries are indexed by the SHA-256 of the token, so a lookup never compares a secret
 * character by character; the stored token is then confirmed with a constant-time comparison.
 * The cache is bounded, as kubelet's is (1000 in flight): when full it refuses new tokens
 * instead of growing, since a client asking for URLs it never opens would otherwise fill memory.
 */
final class TokenCache {
  static final int DEFAULT_CAPACITY = 1000;
  /** 128 random bits, base64url without padding. */
  private static final int TOKEN_BYTES = 16;
  static final int TOKEN_CHARS = 22;

  private record Entry(byte[] token, StreamTarget target, long expiresAt) {}

  private final SecureRandom random = new SecureRandom();
  private final long ttlNanos;
  private final int capacity;
  private final LongSupplier nanoClock;
  // insertion order is expiry order, as every entry lives the same ttl
  private final Map<String, Entry> entries = new LinkedHashMap<>();

  TokenCache(Duration ttl, int capacity, LongSupplier nanoClock) {
    this.ttlNanos = requireNonNull(ttl, "ttl").toNanos();
    if (capacity < 1) {
      throw new IllegalArgumentException("token capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
    this.nanoClock = requireNonNull(nanoClock, "nanoClock");
  }

  /**
   * Stores {@code target} and returns its fresh token; RESOURCE_EXHAUSTED when the cache is full
   * (the URLs' holders are to use them or let them expire: the runtime itself is fine).
   */
  synchronized String put(StreamTarget target) {
    requireNonNull(target, "target");
    long now = nanoClock.getAsLong();
    expire(now);
    if (entries.size() >= capacity) {
      throw new CriException(CriException.Kind.RESOURCE_EXHAUSTED, "streaming: " + capacity
          + " URLs handed out and not yet used; refusing more until they are used or expire");
    }
    while (true) {
      byte[] raw = new byte[TOKEN_BYTES];
      random.nextBytes(raw);
      String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
      byte[] tokenBytes = token.getBytes(StandardCharsets.US_ASCII);
      String key = digest(tokenBytes);
      if (!entries.containsKey(key)) {
        entries.put(key, new Entry(tokenBytes, target, now + ttlNanos));
        return token;
      }
    }
  }

  /**
   * Takes the request stored under {@code token} if it is there, unexpired and of {@code kind};
   * a token of another kind stays where it is, so a wrong path does not burn a good URL.
   */
  synchronized Optional<StreamTarget> take(String token, SessionKind kind) {
    Optional<Entry> entry = find(token, kind);
    entry.ifPresent(e -> entries.remove(digest(e.token())));
    return entry.map(Entry::target);
  }

  private Optional<Entry> find(String token, SessionKind kind) {
    expire(nanoClock.getAsLong());
    if (token.length() != TOKEN_CHARS) {
      return Optional.empty();
    }
    byte[] presented = token.getBytes(StandardCharsets.UTF_8);
    Entry entry = entries.get(digest(presented));
    if (entry == null || !MessageDigest.isEqual(entry.token(), presented) || entry.target().kind() != kind) {
      return Optional.empty();
    }
    return Optional.of(entry);
  }

  /** The request stored under {@code token}, as {@link #take} would return it, left in place. */
  synchronized Optional<StreamTarget> peek(String token, SessionKind kind) {
    return find(token, kind).map(Entry::target);
  }

  synchronized int size() {
    expire(nanoClock.getAsLong());
    return entries.size();
  }

  private void expire(long now) {
    Iterator<Entry> it = entries.values().iterator();
    while (it.hasNext()) {
      if (now - it.next().expiresAt() < 0) {
        return;
      }
      it.remove();
    }
  }

  private static String digest(byte[] token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
