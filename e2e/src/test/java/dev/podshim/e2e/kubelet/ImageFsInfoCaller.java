package dev.podshim.e2e.kubelet;

import dev.podshim.cri.v1.ImageFsInfoRequest;
import dev.podshim.e2e.Podshimd;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Asks podshimd's ImageFsInfo back to back on two threads until closed, as kubelet's eviction
 * manager and image GC do every few seconds, so that a call that walks the store while a
 * container's snapshot is being deleted under it is all but certain.
 */
final class ImageFsInfoCaller implements AutoCloseable {
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong answered = new AtomicLong();
  private final Queue<String> failures = new ConcurrentLinkedQueue<>();
  private final List<Thread> threads = new ArrayList<>();

  ImageFsInfoCaller(Podshimd podshimd) {
    for (int i = 0; i < 2; i++) {
      threads.add(Thread.ofPlatform().name("imagefsinfo-" + i).start(() -> {
        while (running.get()) {
          try {
            podshimd.images.withDeadlineAfter(10, TimeUnit.SECONDS).imageFsInfo(ImageFsInfoRequest.getDefaultInstance());
            answered.incrementAndGet();
          } catch (StatusRuntimeException e) {
            failures.add(e.getStatus().toString());
          }
        }
      }));
    }
  }

  long answered() {
    return answered.get();
  }

  List<String> failures() {
    return List.copyOf(failures);
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    for (Thread t : threads) {
      t.join();
    }
  }
}
