package dev.podshim.sandbox;

import static java.util.Objects.requireNonNull;

import dev.podshim.errors.Cleanup;
import dev.podshim.network.PodNetwork;
import dev.podshim.network.PodNetwork.Attachment;
import dev.podshim.store.Sandbox;
import dev.podshim.store.SandboxConfig;
import dev.podshim.store.StateFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sandbox's CNI attachment and its record, {@code network.json}: "attaching" is written before
 * ADD, the attachment right after, so a crash at any point leaves enough to run DEL on recovery.
 */
final class SandboxNetworking {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxNetworking.class);
  static final String FILE = "network.json";

  /** What network.json holds; {@code attachment} is null while ADD is running or after DEL. */
  record Record(String phase, @Nullable Attachment attachment) {
    static final String ATTACHING = "attaching";
    static final String ATTACHED = "attached";
    static final String DETACHED = "detached";
  }

  private final PodNetwork network;
  private final ConcurrentHashMap<String, Attachment> attached = new ConcurrentHashMap<>();

  SandboxNetworking(PodNetwork network) {
    this.network = requireNonNull(network, "network");
  }

  /** CNI ADD on the pinned netns; DEL is pushed on {@code cleanup}. Host-network pods skip CNI. */
  void attach(Sandbox sandbox, Cleanup cleanup) {
    SandboxConfig config = sandbox.metadata().config();
    if (config.namespaces().hostNetwork()) {
      return;
    }
    write(sandbox, new Record(Record.ATTACHING, null));
    cleanup.push("detach unrecorded network", () -> network.detachUnrecorded(request(sandbox)));
    Attachment attachment = network.attach(request(sandbox));
    cleanup.push("detach network", () -> network.detach(attachment));
    write(sandbox, new Record(Record.ATTACHED, attachment));
    attached.put(sandbox.id(), attachment);
  }

  /**
   * CNI DEL with what ADD used. Throws when DEL keeps failing, so that StopPodSandbox fails and
   * kubelet retries; the netns stays pinned until then.
   */
  void detach(Sandbox sandbox) {
    Record record = read(sandbox);
    if (record == null || record.phase().equals(Record.DETACHED)) {
      return;
    }
    if (record.attachment() != null) {
      network.detach(record.attachment());
    } else {
      network.detachUnrecorded(request(sandbox));
    }
    write(sandbox, new Record(Record.DETACHED, null));
    attached.remove(sandbox.id());
  }

  /** Detach for RemovePodSandbox: a failure is logged as an error, and removal goes on to free the netns. */
  void detachForRemoval(Sandbox sandbox) {
    try {
      detach(sandbox);
    } catch (RuntimeException e) {
      LOG.atError().setCause(e).addKeyValue("sandbox_id", sandbox.id())
          .log("CNI DEL failed on removal; the netns is released anyway: {}", e.getMessage());
      attached.remove(sandbox.id());
    }
  }

  /** Pod IPs, primary first; empty for host network or once detached. */
  List<String> ips(String sandboxId) {
    Attachment a = attached.get(sandboxId);
    return a == null ? List.of() : a.ips();
  }

  /** Recovery: remembers the attachments of sandboxes on disk. */
  void reload(Collection<Sandbox> sandboxes) {
    List<Attachment> all = new ArrayList<>();
    for (Sandbox s : sandboxes) {
      Record r = read(s);
      if (r != null && r.attachment() != null && r.phase().equals(Record.ATTACHED)) {
        attached.put(s.id(), r.attachment());
        all.add(r.attachment());
      }
    }
    network.recovered(all);
  }

  private static PodNetwork.AttachRequest request(Sandbox sandbox) {
    SandboxConfig c = sandbox.metadata().config();
    List<PodNetwork.PortMapping> ports = c.portMappings().stream()
        .map(p -> new PodNetwork.PortMapping(p.protocol(), p.containerPort(), p.hostPort(), p.hostIp()))
        .toList();
    PodNetwork.Dns dns = c.dns() == null ? null
        : new PodNetwork.Dns(c.dns().servers(), c.dns().searches(), c.dns().options());
    return new PodNetwork.AttachRequest(sandbox.id(), sandbox.nsDir().resolve(Namespace.NET.procName()),
        c.metadata().name(), c.metadata().namespace(), c.metadata().uid(), ports, c.annotations(), dns);
  }

  private static void write(Sandbox sandbox, Record record) {
    StateFile.write(sandbox.dir().resolve(FILE), record);
  }

  private static @Nullable Record read(Sandbox sandbox) {
    Path file = sandbox.dir().resolve(FILE);
    if (!Files.exists(file)) {
      return null;
    }
    try {
      return StateFile.read(file, Record.class);
    } catch (IOException e) {
      throw dev.podshim.errors.CriException.internal("read " + file + ": " + e.getMessage(), e);
    }
  }
}
