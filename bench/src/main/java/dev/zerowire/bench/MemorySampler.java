package dev.zerowire.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Samples heap in use (MemoryMXBean) and the process's resident set size ({@code
 * /proc/self/statm}) every 10 ms on a platform thread of its own, keeping the peaks. "Heap in
 * use" includes garbage not yet collected, so its peak depends on the collector's pacing as much
 * as on what the code keeps alive.
 */
final class MemorySampler implements AutoCloseable {
  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();
  private static final Path STATM = Path.of("/proc/self/statm");
  private static final long PAGE = 4096;

  private final Thread thread;
  private volatile boolean running = true;
  private volatile long peakHeap;
  private volatile long peakRss;

  MemorySampler() {
    sample();
    thread = Thread.ofPlatform().name("bench-memory-sampler").daemon(true).start(() -> {
      while (running) {
        sample();
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
  }

  private void sample() {
    long heap = MEMORY.getHeapMemoryUsage().getUsed();
    if (heap > peakHeap) {
      peakHeap = heap;
    }
    long rss = rss();
    if (rss > peakRss) {
      peakRss = rss;
    }
  }

  static long rss() {
    try {
      String[] f = Files.readString(STATM).trim().split("\\s+");
      return Long.parseLong(f[1]) * PAGE;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  long peakHeapBytes() {
    return peakHeap;
  }

  long peakRssBytes() {
    return peakRss;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.interrupt();
    thread.join(1000);
    sample();
  }
}
