package dev.podshim.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pull: resolve the reference on the first endpoint that has it, pick this platform from an
 * index, fetch the config, then fetch and unpack the layers concurrently. Every blob is checked
 * against its digest before it is stored; each layer's uncompressed content against its diff id.
 */
final class Puller {
  private static final Logger LOG = LoggerFactory.getLogger(Puller.class);
  private static final int PARALLEL_DOWNLOADS = 4;

  private final RegistryClient client;
  private final ContentStore content;
  private final LayerStore layers;
  private final ImageMetrics metrics;
  private final Leases leases;
  private final Manifests.Platform platform;
  private final Singleflight<Digest, Path> downloads = new Singleflight<>();

  /** What a pull produced, and what it cost. */
  record Result(ImageRecord record, int layersReused, long bytesDownloaded) {}

  private record Resolved(RegistryClient.Session session, Digest top, Map<Digest, byte[]> manifests,
      Manifests.Manifest manifest) {}

  Puller(RegistryClient client, ContentStore content, LayerStore layers, ImageMetrics metrics, Leases leases,
      Manifests.Platform platform) {
    this.client = client;
    this.content = content;
    this.layers = layers;
    this.metrics = metrics;
    this.leases = leases;
    this.platform = platform;
  }

  Result pull(ImageReference ref, PullAuth auth) throws IOException {
    Resolved r = resolve(ref, auth);
    Manifests.Descriptor configDesc = r.manifest().config();
    try (Leases.Lease configLease = leases.acquire(List.of(configDesc.digest().toString()))) {
      byte[] configBytes;
      if (content.has(configDesc.digest())) {
        configBytes = content.read(configDesc.digest());
      } else {
        Path p = download(r.session(), configDesc, new AtomicLong());
        configBytes = java.nio.file.Files.readAllBytes(p);
      }
      Manifests.Config config = Manifests.config(configBytes);
      List<Manifests.Descriptor> layerDescs = r.manifest().layers();
      if (config.diffIds().size() != layerDescs.size()) {
        throw new BadLayerException("image config lists " + config.diffIds().size() + " diff ids for "
            + layerDescs.size() + " layers");
      }
      List<Digest> chainIds = LayerStore.chainIds(config.diffIds());
      List<String> leased = new ArrayList<>();
      layerDescs.forEach(d -> leased.add(d.digest().toString()));
      chainIds.forEach(c -> leased.add("chain:" + c));
      r.manifests().keySet().forEach(d -> leased.add(d.toString()));
      try (Leases.Lease layerLease = leases.acquire(leased)) {
        AtomicInteger reused = new AtomicInteger();
        AtomicLong bytes = new AtomicLong();
        fetchLayers(r.session(), layerDescs, config.diffIds(), chainIds, reused, bytes);
        for (Map.Entry<Digest, byte[]> m : r.manifests().entrySet()) {
          content.put(m.getKey(), m.getValue());
        }
        long size = configDesc.size();
        List<ImageRecord.Layer> layerRecords = new ArrayList<>();
        for (int i = 0; i < layerDescs.size(); i++) {
          Manifests.Descriptor d = layerDescs.get(i);
          size += d.size();
          layerRecords.add(new ImageRecord.Layer(d.digest().toString(), d.mediaType(), d.size(),
              config.diffIds().get(i).toString(), chainIds.get(i).toString()));
        }
        for (byte[] m : r.manifests().values()) {
          size += m.length;
        }
        List<String> tags = ref.repoTag() == null ? List.of() : List.of(ref.repoTag());
        List<String> manifestDigests = r.manifests().keySet().stream().map(Digest::toString).toList();
        ImageRecord record = new ImageRecord(configDesc.digest().toString(), tags, List.of(ref.repoDigest(r.top())), size,
            manifestDigests, layerRecords, config.user());
        return new Result(record, reused.get(), bytes.get());
      }
    }
  }

  /** The manifest for this platform, from the first endpoint that serves the reference. */
  private Resolved resolve(ImageReference ref, PullAuth auth) throws IOException {
    List<String> failures = new ArrayList<>();
    RegistryException notFound = null;
    RegistryException last = null;
    for (RegistryClient.Endpoint ep : client.endpoints(ref.domain())) {
      RegistryClient.Session session = client.open(ep, ref, auth);
      try {
        return resolveOn(session, ref);
      } catch (RegistryException e) {
        LOG.atDebug().addKeyValue("endpoint", ep).addKeyValue("image", ref).log("resolve failed: {}", e.getMessage());
        failures.add(e.getMessage());
        last = e;
        if (e.reason() == RegistryException.Reason.NOT_FOUND && notFound == null) {
          notFound = e;
        }
      }
    }
    RegistryException chosen = notFound != null ? notFound : last;
    if (chosen == null) {
      throw new RegistryException(RegistryException.Reason.OTHER, "no endpoint for " + ref.domain());
    }
    String message = failures.size() == 1 ? chosen.getMessage() : chosen.getMessage() + " (tried: " + String.join("; ", failures) + ")";
    throw new RegistryException(chosen.reason(), message, chosen);
  }

  private Resolved resolveOn(RegistryClient.Session session, ImageReference ref) throws IOException {
    Map<Digest, byte[]> manifests = new LinkedHashMap<>();
    RegistryClient.Fetched top = session.manifest(ref.manifestReference());
    Digest topDigest = verifiedDigest(top.bytes(), ref.digest(), "manifest " + ref.manifestReference());
    manifests.put(topDigest, top.bytes());
    Manifests.Parsed parsed = parse(top, ref);
    if (parsed instanceof Manifests.Index index) {
      Manifests.Descriptor pick = platform.pick(index.manifests());
      if (pick == null) {
        throw new RegistryException(RegistryException.Reason.NOT_FOUND, "manifest " + ref.manifestReference()
            + ": no image for platform " + platform + " in the index");
      }
      RegistryClient.Fetched child = session.manifest(pick.digest().toString());
      verifiedDigest(child.bytes(), pick.digest(), "manifest " + pick.digest());
      manifests.put(pick.digest(), child.bytes());
      parsed = parse(child, ref);
      if (!(parsed instanceof Manifests.Manifest)) {
        throw new RegistryException(RegistryException.Reason.OTHER, "manifest " + pick.digest() + ": nested index is not supported");
      }
    }
    return new Resolved(session, topDigest, manifests, (Manifests.Manifest) parsed);
  }

  private static Manifests.Parsed parse(RegistryClient.Fetched f, ImageReference ref) throws IOException {
    try {
      return Manifests.parse(f.bytes(), f.contentType());
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new RegistryException(RegistryException.Reason.OTHER, "manifest for " + ref + " is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new RegistryException(RegistryException.Reason.OTHER, "manifest for " + ref + ": " + e.getMessage());
    }
  }

  private static Digest verifiedDigest(byte[] bytes, Digest expected, String what) throws DigestMismatchException {
    if (expected == null) {
      return Digest.sha256(bytes);
    }
    Digest actual = Digest.of(expected.algorithm(), expected.newHasher().digest(bytes));
    if (!actual.equals(expected)) {
      throw new DigestMismatchException(what + ": content has digest " + actual);
    }
    return expected;
  }

  private void fetchLayers(RegistryClient.Session session, List<Manifests.Descriptor> descs, List<Digest> diffIds,
      List<Digest> chainIds, AtomicInteger reused, AtomicLong bytes) throws IOException {
    Semaphore slots = new Semaphore(PARALLEL_DOWNLOADS);
    List<Future<?>> work = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < descs.size(); i++) {
        Manifests.Descriptor d = descs.get(i);
        Digest chain = chainIds.get(i);
        Digest diff = diffIds.get(i);
        work.add(pool.submit(() -> {
          if (layers.has(chain)) {
            reused.incrementAndGet();
            metrics.layerReused();
            return null;
          }
          Path blob;
          if (content.has(d.digest())) {
            blob = content.path(d.digest());
          } else {
            slots.acquire();
            try {
              blob = download(session, d, bytes);
            } finally {
              slots.release();
            }
          }
          try {
            layers.unpack(chain, diff, blob);
          } catch (BadLayerException e) {
            throw new BadLayerException("layer " + d.digest() + ": " + e.getMessage(), e);
          }
          return null;
        }));
      }
      IOException first = null;
      for (Future<?> f : work) {
        try {
          f.get();
        } catch (ExecutionException e) {
          if (first == null) {
            first = e.getCause() instanceof IOException io ? io : new IOException(e.getCause().getMessage(), e.getCause());
            work.forEach(w -> w.cancel(true));
          }
        } catch (java.util.concurrent.CancellationException e) {
          // cancelled after an earlier failure
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          work.forEach(w -> w.cancel(true));
          throw new java.io.InterruptedIOException("pull interrupted");
        }
      }
      if (first != null) {
        throw first;
      }
    }
  }

  /** Downloads a blob once even when several pulls want it at the same time. */
  private Path download(RegistryClient.Session session, Manifests.Descriptor d, AtomicLong bytes) throws IOException {
    return downloads.run(d.digest(), () -> {
      if (content.has(d.digest())) {
        return content.path(d.digest());
      }
      try (InputStream in = session.blob(d.digest())) {
        return content.write(d.digest(), d.size(), in, n -> {
          bytes.addAndGet(n);
          metrics.downloaded(n);
        });
      } catch (RegistryException | DigestMismatchException | java.io.InterruptedIOException e) {
        throw e;
      } catch (IOException e) {
        throw new RegistryException(RegistryException.Reason.NETWORK, "blob " + d.digest() + " from "
            + session.endpoint() + ": " + e.getMessage(), e);
      }
    });
  }
}
