package dev.zerowire.bench;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Sender CPU time and heap allocation over one measured repetition.
 *
 * <p>Two ways to read them, and every row says which one it used ({@link Source#label()}):
 *
 * <ul>
 *   <li>{@link Source#SENDER_THREAD}: when exactly one platform thread does all of the sending
 *       (the java.nio loop, the naive blight sender), its own CPU time and allocated bytes
 *       (ThreadMXBean). The most precise reading.
 *   <li>{@link Source#PROCESS_MINUS_RECEIVER}: when the sending is spread over threads the bench
 *       does not own (actors on a dispatcher, an event loop, a selector thread, zerowire's poller),
 *       the whole process's CPU time (OperatingSystemMXBean) and allocated bytes (all threads)
 *       minus those of the receiver's threads. This also counts GC and JIT threads and the
 *       harness, so it errs on the high side.
 *   <li>{@link Source#PROCESS}: as above with no receiver in the process (true-zerocopy).
 * </ul>
 *
 * On loopback the sender's {@code sendmsg} runs most of the kernel's TCP receive path as well
 * (softirq on the same CPU), so "sender CPU" includes it for every implementation alike.
 */
final class CpuMeter {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  static {
    if (THREADS.isThreadCpuTimeSupported() && !THREADS.isThreadCpuTimeEnabled()) {
      THREADS.setThreadCpuTimeEnabled(true);
    }
    if (THREADS.isThreadAllocatedMemorySupported() && !THREADS.isThreadAllocatedMemoryEnabled()) {
      THREADS.setThreadAllocatedMemoryEnabled(true);
    }
  }

  private CpuMeter() {}

  /** How a row's CPU and allocation were read. */
  enum Source {
    SENDER_THREAD("sender-thread"),
    PROCESS_MINUS_RECEIVER("process-minus-receiver"),
    PROCESS("process");

    private final String label;

    Source(String label) {
      this.label = label;
    }

    String label() {
      return label;
    }
  }

  /**
   * A set of platform threads whose CPU and allocation are summed: the receiver's readers. A
   * thread's last reading is kept, so a thread that has ended still counts what it used.
   */
  static final class ThreadSet {
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final Map<Long, long[]> last = new ConcurrentHashMap<>();

    void add(Thread t) {
      threads.add(t);
    }

    long cpuNanos() {
      long sum = 0;
      for (Thread t : threads) {
        sum += reading(t)[0];
      }
      return sum;
    }

    long allocatedBytes() {
      long sum = 0;
      for (Thread t : threads) {
        sum += reading(t)[1];
      }
      return sum;
    }

    private long[] reading(Thread t) {
      long id = t.threadId();
      long[] r = last.computeIfAbsent(id, k -> new long[2]);
      long cpu = THREADS.getThreadCpuTime(id);
      long alloc = THREADS.getThreadAllocatedBytes(id);
      if (cpu >= 0) {
        r[0] = cpu;
      }
      if (alloc >= 0) {
        r[1] = alloc;
      }
      return r;
    }
  }

  /** CPU nanoseconds and allocated bytes used between {@link #start} and {@link Mark#stop()}. */
  record Reading(Source source, long cpuNanos, long allocatedBytes) {
    /** CPU seconds per GiB for {@code bytes} moved. */
    double cpuSecondsPerGib(long bytes) {
      return bytes <= 0 ? Double.NaN : (cpuNanos / 1e9) / (bytes / (double) (1L << 30));
    }

    /** Allocated bytes per message, or NaN when the allocation could not be read. */
    double allocBytesPerMessage(long messages) {
      return messages <= 0 || allocatedBytes < 0 ? Double.NaN : allocatedBytes / (double) messages;
    }
  }

  /** An open measurement. */
  static final class Mark {
    private final Source source;
    private final Thread sender;
    private final ThreadSet receivers;
    private final long cpu0;
    private final long alloc0;

    private Mark(Source source, Thread sender, ThreadSet receivers) {
      this.source = source;
      this.sender = sender;
      this.receivers = receivers;
      this.cpu0 = cpu();
      this.alloc0 = alloc();
    }

    Reading stop() {
      return new Reading(source, cpu() - cpu0, alloc() - alloc0);
    }

    private long cpu() {
      return switch (source) {
        case SENDER_THREAD -> THREADS.getThreadCpuTime(sender.threadId());
        case PROCESS_MINUS_RECEIVER -> OS.getProcessCpuTime() - receivers.cpuNanos();
        case PROCESS -> OS.getProcessCpuTime();
      };
    }

    private long alloc() {
      return switch (source) {
        case SENDER_THREAD -> THREADS.getThreadAllocatedBytes(sender.threadId());
        case PROCESS_MINUS_RECEIVER -> THREADS.getTotalThreadAllocatedBytes() - receivers.allocatedBytes();
        case PROCESS -> THREADS.getTotalThreadAllocatedBytes();
      };
    }
  }

  /** The sender's own thread. */
  static Mark ofThread(Thread sender) {
    return new Mark(Source.SENDER_THREAD, sender, null);
  }

  /** The whole process less {@code receivers}. */
  static Mark ofProcessMinus(ThreadSet receivers) {
    return new Mark(Source.PROCESS_MINUS_RECEIVER, null, receivers);
  }

  /** The whole process (no receiver in it). */
  static Mark ofProcess() {
    return new Mark(Source.PROCESS, null, null);
  }

  /** Picks the thread reading when the sender names its one thread, else process minus receivers. */
  static Mark start(java.util.Optional<Thread> senderThread, ThreadSet receivers) {
    return senderThread.map(CpuMeter::ofThread).orElseGet(() -> ofProcessMinus(receivers));
  }
}
