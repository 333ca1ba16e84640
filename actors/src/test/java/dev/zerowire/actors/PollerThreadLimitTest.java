package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerowire.nativeio.Kernel;
import dev.zerowire.nativeio.NativeSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A process at its thread limit: the watch finds the poller thread held by a task and cannot get a
 * thread to replace it. Nothing may be lost: the held thread goes on polling once its task returns.
 * A real Unix socketpair per registration; the thread limit is a factory that fails as the JVM does
 * ({@code OutOfMemoryError: unable to create native thread}).
 */
class PollerThreadLimitTest {
  private static final long WAIT_S = 30;

  /**
   * A poller that cannot get its first thread (the same limit, at start) fails to start, and
   * keeps none of the fds it made on the way (its epoll and its eventfd): 50 failed starts leave
   * the process's fd count where it was (it grew by 100 before).
   */
  @Test
  void aPollerThatCannotStartKeepsNoFd() throws Exception {
    ThreadFactory none = r -> {
      throw new OutOfMemoryError("unable to create native thread: possibly out of memory or process/resource limits reached");
    };
    Path fds = Path.of("/proc/self/fd");
    long before;
    try (var l = Files.list(fds)) {
      before = l.count();
    }
    for (int i = 0; i < 50; i++) {
      assertThrows(OutOfMemoryError.class, () -> new Poller(16, Duration.ofMillis(1), none));
    }
    long after;
    try (var l = Files.list(fds)) {
      after = l.count();
    }
    assertTrue(after - before < 20, "fds before " + before + ", after 50 failed starts " + after);
  }

  @Test
  void aHeldPollerThatCannotBeReplacedPollsAgainWhenItsTaskReturns() throws Exception {
    AtomicInteger asked = new AtomicInteger();
    ThreadFactory platform = Thread.ofPlatform().name("zerowire-poller").daemon(true).factory();
    ThreadFactory onlyOne = r -> {
      if (asked.getAndIncrement() == 0) {
        return platform.newThread(r);
      }
      throw new OutOfMemoryError("unable to create native thread: possibly out of memory or process/resource limits reached");
    };
    Poller poller = new Poller(16, Duration.ofMillis(1), onlyOne);
    NativeSocket[] a = NativeSocket.socketpair(Kernel.SOCK_STREAM);
    NativeSocket[] b = NativeSocket.socketpair(Kernel.SOCK_STREAM);
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger bReadable = new AtomicInteger();
    try {
      poller.register(new Poller.Registration(poller.newToken(), a[0].fd(), () -> {
        held.countDown();
        try {
          release.await(WAIT_S, TimeUnit.SECONDS); // a task that parks on the poller thread
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, () -> { }));
      poller.register(new Poller.Registration(poller.newToken(), b[0].fd(), bReadable::incrementAndGet, () -> { }));
      Thread first = poller.thread();
      PlainPeer.writeAll(a[1], new byte[] {1});
      assertTrue(held.await(WAIT_S, TimeUnit.SECONDS), "the poller never ran a's readiness");

      long until = System.nanoTime() + 2 * Poller.HELD_LIMIT.toNanos(); // both rules have fired by then
      while (System.nanoTime() < until) {
        poller.watch(); // as Pekko's scheduler calls it
        Thread.sleep(10);
      }
      assertTrue(asked.get() >= 2, "the watch tried to replace the held thread");
      assertEquals(0, poller.replaced(), "no thread could be had");
      assertEquals(first, poller.thread());

      release.countDown();
      PlainPeer.writeAll(b[1], new byte[] {2});
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
      while (bReadable.get() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      assertTrue(bReadable.get() > 0, "nobody polls: the held thread ended although no thread replaced it");
      assertTrue(first.isAlive(), "the held thread polls on");
    } finally {
      release.countDown();
      poller.stop();
      for (NativeSocket s : new NativeSocket[] {a[0], a[1], b[0], b[1]}) {
        s.close();
      }
    }
  }
}
