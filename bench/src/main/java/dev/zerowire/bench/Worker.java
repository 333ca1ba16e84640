package dev.zerowire.bench;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One platform thread that runs a single-threaded sender's loops, so that the sender's CPU time
 * and allocation can be read from that thread alone ({@link CpuMeter.Source#SENDER_THREAD}).
 */
final class Worker implements AutoCloseable {
  private final ExecutorService executor;
  private final Thread thread;

  Worker(String name) {
    AtomicReference<Thread> made = new AtomicReference<>();
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = Thread.ofPlatform().name(name).daemon(true).unstarted(r);
      made.set(t);
      return t;
    });
    try {
      executor.submit(() -> {}).get();
    } catch (InterruptedException | ExecutionException e) {
      throw new IllegalStateException("worker thread " + name + " did not start", e);
    }
    this.thread = made.get();
  }

  Thread thread() {
    return thread;
  }

  /** Starts {@code task} on the worker without waiting. */
  <T> java.util.concurrent.Future<T> submit(Callable<T> task) {
    return executor.submit(task);
  }

  /** Runs {@code task} on the worker and waits for it; its exception is rethrown here. */
  <T> T call(Callable<T> task) throws Exception {
    try {
      return executor.submit(task).get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception x) {
        throw x;
      }
      throw e;
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
