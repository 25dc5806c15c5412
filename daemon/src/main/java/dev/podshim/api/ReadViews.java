package dev.podshim.api;

import static java.util.Objects.requireNonNull;

import dev.podshim.container.ContainerService;
import dev.podshim.cri.v1.Container;
import dev.podshim.cri.v1.ContainerStatus;
import dev.podshim.cri.v1.PodSandbox;
import dev.podshim.cri.v1.PodSandboxStatus;
import dev.podshim.sandbox.SandboxService;
import dev.podshim.store.EntityObserver;
import dev.podshim.store.Sandbox;
import dev.podshim.store.StoredEntity;
import java.lang.ref.SoftReference;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The protobuf messages the read RPCs answer with, built once per state change rather than once
 * per call: kubelet lists every pod and container every second, and building a message (its label
 * and annotation maps above all) and then computing its size cost more than the rest of the call.
 * A message is keyed by the entity's status record, which every change replaces, and for a sandbox
 * by its IP list too; a message built from an older status is rebuilt at the next read. Entries
 * leave with their entity.
 *
 * <p>The write RPCs {@link #prepareSandbox prepare} the entity they changed before they answer, verbose info
 * included: kubelet, crictl and critest read a status right after a create or start, and a first
 * build there ran code the JIT had not compiled (≈ 1 ms of a sub-millisecond read), where the
 * write RPC that pays for it instead takes tens of milliseconds anyway. The verbose JSON is held
 * softly: a container's carries its whole OCI spec, and an idle daemon's heap may drop it, to be
 * made again at the next verbose read.
 */
final class ReadViews {
  private static final class SandboxView {
    final dev.podshim.store.SandboxStatus status;
    final List<String> ips;
    final PodSandbox item;
    final PodSandboxStatus full;
    /** The verbose info, with the recovery note it was made with. */
    volatile @Nullable Verbose verbose;

    SandboxView(dev.podshim.store.SandboxStatus status, List<String> ips, PodSandbox item, PodSandboxStatus full) {
      this.status = status;
      this.ips = ips;
      this.item = item;
      this.full = full;
    }
  }

  private record Verbose(@Nullable String unreadable, SoftReference<String> json) {}

  private static final class ContainerView {
    final dev.podshim.store.ContainerStatus status;
    final Container item;
    final ContainerStatus full;
    volatile @Nullable SoftReference<String> verbose;

    ContainerView(dev.podshim.store.ContainerStatus status, Container item, ContainerStatus full) {
      this.status = status;
      this.item = item;
      this.full = full;
    }
  }

  private final SandboxService sandboxes;
  private final ContainerService containers;
  private final Map<String, SandboxView> sandboxViews = new ConcurrentHashMap<>();
  private final Map<String, ContainerView> containerViews = new ConcurrentHashMap<>();

  ReadViews(SandboxService sandboxes, ContainerService containers) {
    this.sandboxes = requireNonNull(sandboxes, "sandboxes");
    this.containers = requireNonNull(containers, "containers");
    sandboxes.observe(forgetting(sandboxViews));
    containers.observe(forgetting(containerViews));
  }

  PodSandbox listItem(Sandbox s) {
    return view(s).item;
  }

  PodSandboxStatus status(Sandbox s) {
    return view(s).full;
  }

  /** PodSandboxStatus's verbose info JSON, made once per state change. */
  String verboseInfo(Sandbox s) {
    SandboxView v = view(s);
    Verbose verbose = v.verbose;
    String unreadable = s.unreadable();
    String json = verbose == null || verbose.unreadable() != unreadable ? null : verbose.json().get();
    if (json == null) {
      json = VerboseInfo.of(s);
      v.verbose = new Verbose(unreadable, new SoftReference<>(json));
    }
    return json;
  }

  /** Builds the messages of a sandbox a write RPC changed, so that the read after it finds them. */
  void prepareSandbox(String id) {
    Sandbox s = sandboxes.find(id);
    if (s != null) {
      verboseInfo(s);
    }
  }

  Container listItem(dev.podshim.store.Container c) {
    return view(c).item;
  }

  ContainerStatus status(dev.podshim.store.Container c) {
    return view(c).full;
  }

  /** ContainerStatus's verbose info JSON, made once per state change. */
  String verboseInfo(dev.podshim.store.Container c) {
    ContainerView v = view(c);
    SoftReference<String> verbose = v.verbose;
    String json = verbose == null ? null : verbose.get();
    if (json == null) {
      json = VerboseInfo.of(c);
      v.verbose = new SoftReference<>(json);
    }
    return json;
  }

  /** Builds the messages of a container a write RPC changed, so that the read after it finds them. */
  void prepareContainer(String id) {
    dev.podshim.store.Container c = containers.find(id);
    if (c != null) {
      verboseInfo(c);
    }
  }

  private SandboxView view(Sandbox s) {
    var status = s.status();
    List<String> ips = sandboxes.ips(s);
    SandboxView v = sandboxViews.get(s.id());
    if (v != null && v.status == status && v.ips == ips) {
      return v;
    }
    v = new SandboxView(status, ips, SandboxMapper.toListItem(s), SandboxMapper.toStatus(s, ips));
    return keep(sandboxViews, s, v, () -> sandboxes.find(s.id()));
  }

  private ContainerView view(dev.podshim.store.Container c) {
    var status = c.status();
    ContainerView v = containerViews.get(c.id());
    if (v != null && v.status == status) {
      return v;
    }
    v = new ContainerView(status, ContainerMapper.toListItem(c), ContainerMapper.toStatus(c));
    return keep(containerViews, c, v, () -> containers.find(c.id()));
  }

  /** Caches {@code view} unless its entity was removed meanwhile (the removal's eviction may have run already). */
  private static <V> V keep(Map<String, V> views, StoredEntity<?, ?> entity, V view,
      Supplier<? extends @Nullable Object> current) {
    views.put(entity.id(), view);
    if (current.get() != entity) {
      views.remove(entity.id(), view);
    }
    return view;
  }

  private static <E extends StoredEntity<?, ?>, S> EntityObserver<E, S> forgetting(Map<String, ?> views) {
    return new EntityObserver<>() {
      @Override
      public void statusChanged(E entity, S before, S after) {
        // the next read sees a different status record and rebuilds
      }

      @Override
      public void removed(E entity) {
        views.remove(entity.id());
      }
    };
  }
}
