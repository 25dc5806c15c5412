package dev.podshim.store;

import static java.util.Objects.requireNonNull;

import dev.podshim.errors.CriException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.jspecify.annotations.Nullable;

/** Entities by id, found by the full id or any unique prefix of it, as crictl users type them. */
public final class IdIndex<E> {
  private static final SecureRandom RANDOM = new SecureRandom();
  private final String kind;
  private final ConcurrentSkipListMap<String, E> byId = new ConcurrentSkipListMap<>();

  public IdIndex(String kind) {
    this.kind = requireNonNull(kind, "kind");
  }

  public void put(String id, E entity) {
    byId.put(id, entity);
  }

  public void remove(String id, E entity) {
    byId.remove(id, entity);
  }

  /** The entity with this id or unique prefix; null when none; INVALID_ARGUMENT when ambiguous. */
  public @Nullable E find(String idOrPrefix) {
    if (idOrPrefix.isEmpty()) {
      return null;
    }
    E exact = byId.get(idOrPrefix);
    if (exact != null) {
      return exact;
    }
    NavigableMap<String, E> tail = byId.tailMap(idOrPrefix, true);
    E match = null;
    for (Map.Entry<String, E> e : tail.entrySet()) {
      if (!e.getKey().startsWith(idOrPrefix)) {
        break;
      }
      if (match != null) {
        throw CriException.invalidArgument(kind + " id prefix " + idOrPrefix + " is ambiguous");
      }
      match = e.getValue();
    }
    return match;
  }

  /** 64 random hex characters, like containerd and CRI-O ids. */
  public static String newId() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  public List<E> all() {
    return List.copyOf(byId.values());
  }
}
