package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.zerowire.nativeio.Kernel;
import dev.zerowire.nativeio.NativeSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

/**
 * The poller runs what its readiness starts (Poller, {@code zerowire.poller.task-budget}): a
 * socket's read and its handler run on the poller thread, and a handler that blocks there does
 * not stop readiness for anyone else. Real Unix socketpairs; the far ends are plain sockets.
 */
class PollerRunsTasksTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int ROUNDS = 200;

  /** Where one Received was handled: on a poller thread (platform, named so) or elsewhere. */
  record Seen(Thread thread) {
    boolean onPoller() {
      return !thread.isVirtual() && thread.getName().equals("zerowire-poller");
    }
  }

  /** How a handler holds the poller thread until released: each bounded by 60 s. */
  enum Hold {
    /** An actor that blocks (parked): what an ask and a get does. */
    WAITING,
    /** An actor that computes: on its CPU the whole time. */
    COMPUTING,
    /**
     * An actor in a blocking native call (a java.net.Socket read on a platform thread polls in
     * the kernel): RUNNABLE to the JVM, though it neither runs nor parks.
     */
    NATIVE;

    void until(CountDownLatch release) throws Exception {
      switch (this) {
        case WAITING -> release.await(60, TimeUnit.SECONDS);
        case COMPUTING -> {
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
          while (release.getCount() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
          }
        }
        case NATIVE -> {
          try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
              Socket quiet = new Socket(server.getInetAddress(), server.getLocalPort());
              Socket accepted = server.accept()) {
            quiet.setSoTimeout(200); // reads of a peer that never writes, until released
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (release.getCount() > 0 && System.nanoTime() < deadline) {
              try {
                quiet.getInputStream().read();
              } catch (SocketTimeoutException e) {
                // nothing came, as intended: read again
              }
            }
          }
        }
      }
    }
  }

  /**
   * A handler on zerowire.dispatcher that reports where each Received ran and, while {@code
   * holdOnPoller} is set, holds the first one it handles on a poller thread until {@code release}.
   */
  private static Behavior<SocketProtocol.Event> handler(ActorRef<Seen> seen, AtomicBoolean holdOnPoller,
      Hold hold, CountDownLatch release) {
    return Behaviors.receiveMessage(e -> {
      if (e instanceof SocketProtocol.Received) {
        Seen s = new Seen(Thread.currentThread());
        seen.tell(s);
        if (s.onPoller() && holdOnPoller.compareAndSet(true, false)) {
          hold.until(release); // what the watch must survive
        }
      }
      return Behaviors.same();
    });
  }

  private static Behavior<SocketProtocol.Event> handler(ActorRef<Seen> seen) {
    return handler(seen, new AtomicBoolean(), Hold.WAITING, new CountDownLatch(0));
  }

  /** One end of a fresh socketpair adopted by zerowire with {@code handler}; returns the far end. */
  private static NativeSocket adopt(ActorTestKit kit, Behavior<SocketProtocol.Event> handler) throws Exception {
    ZeroWire zw = ZeroWire.get(kit.system());
    NativeSocket[] pair = NativeSocket.socketpair(Kernel.SOCK_STREAM);
    TestProbe<SocketProtocol.ConnectReply> opened = kit.createTestProbe();
    zw.manager().tell(new SocketProtocol.Adopt(pair[0], zw.defaultOptions(), opened.getRef()));
    var socket = opened.expectMessageClass(SocketProtocol.Connected.class, WAIT).socket();
    socket.tell(new SocketProtocol.Register(kit.spawn(handler, ZeroWire.dispatcher())));
    return pair[1];
  }

  /** Rounds of one byte written and its Received awaited; returns how many were handled on the poller. */
  private static int rounds(NativeSocket far, TestProbe<Seen> seen, int n) throws Exception {
    int onPoller = 0;
    for (int i = 0; i < n; i++) {
      PlainPeer.writeAll(far, new byte[] {(byte) i});
      if (seen.receiveMessage(WAIT).onPoller()) {
        onPoller++;
      }
    }
    return onPoller;
  }

  @Test
  void aReadAndItsHandlerRunOnThePollerThread() throws Exception {
    ActorTestKit kit = ActorTestKit.create("PollerRunsTasks");
    try {
      TestProbe<Seen> seen = kit.createTestProbe();
      NativeSocket far = adopt(kit, handler(seen.getRef()));
      try {
        int onPoller = rounds(far, seen, ROUNDS);
        // Not every round: one whose read took over the 50 µs hand-off (the JIT not done yet, a GC
        // pause, a preempted vCPU) rightly starts a thread. With the poller handing off, none does.
        assertTrue(onPoller >= ROUNDS / 10, onPoller + " of " + ROUNDS + " handled on the poller thread");
      } finally {
        far.close();
      }
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void withNoTaskBudgetThePollerOnlyTells() throws Exception {
    ActorTestKit kit = ActorTestKit.create("PollerOnlyTells", ConfigFactory.parseString("zerowire.poller.task-budget = 0"));
    try {
      TestProbe<Seen> seen = kit.createTestProbe();
      NativeSocket far = adopt(kit, handler(seen.getRef()));
      try {
        assertEquals(0, rounds(far, seen, ROUNDS), "handled on the poller thread with task-budget = 0");
      } finally {
        far.close();
      }
    } finally {
      kit.shutdownTestKit();
    }
  }

  /**
   * A handler blocks on the poller thread: within 10-30 ms a new thread polls, so another
   * socket's data is still handled while it blocks; when it returns, the old thread ends and the
   * blocked socket goes on working. Without the watch the replacement never comes (and B's
   * Received would wait for the release).
   */
  @Test
  void aHandlerThatBlocksThePollerThreadDoesNotStopReadiness() throws Exception {
    heldPollerThreadIsReplaced(Hold.WAITING);
  }

  /** The same for a handler that computes on the poller thread (replaced after 100 ms). */
  @Test
  void aHandlerThatComputesOnThePollerThreadDoesNotStopReadiness() throws Exception {
    heldPollerThreadIsReplaced(Hold.COMPUTING);
  }

  /** The same for a handler blocked in a native call, RUNNABLE to the JVM (replaced after 100 ms). */
  @Test
  void aHandlerBlockedInANativeCallOnThePollerThreadDoesNotStopReadiness() throws Exception {
    heldPollerThreadIsReplaced(Hold.NATIVE);
  }

  private void heldPollerThreadIsReplaced(Hold how) throws Exception {
    ActorTestKit kit = ActorTestKit.create("PollerHeld" + how);
    CountDownLatch release = new CountDownLatch(1);
    try {
      ZeroWire zw = ZeroWire.get(kit.system());
      TestProbe<Seen> seenA = kit.createTestProbe();
      TestProbe<Seen> seenB = kit.createTestProbe();
      AtomicBoolean hold = new AtomicBoolean(true);
      NativeSocket farA = adopt(kit, handler(seenA.getRef(), hold, how, release));
      NativeSocket farB = adopt(kit, handler(seenB.getRef()));
      try {
        Thread blocked = null;
        for (int i = 0; i < ROUNDS && blocked == null; i++) { // until a Received lands on the poller and holds it
          PlainPeer.writeAll(farA, new byte[] {1});
          Seen s = seenA.receiveMessage(WAIT);
          if (s.onPoller()) {
            blocked = s.thread();
          }
        }
        assertTrue(blocked != null, "no Received ran on the poller thread in " + ROUNDS + " rounds");

        long deadline = System.nanoTime() + WAIT.toNanos();
        while (zw.pollerThreadsReplaced() == 0 && System.nanoTime() < deadline) {
          Thread.sleep(5); // the watch looks every 10 ms: 10-30 ms, or 100 ms
        }
        assertTrue(zw.pollerThreadsReplaced() >= 1, "the held poller thread was not replaced in " + WAIT);
        javax.management.ObjectName bean = new javax.management.ObjectName(
            "dev.zerowire:type=Poller,system=\"PollerHeld" + how + "\"");
        assertEquals(zw.pollerThreadsReplaced(), (Long) java.lang.management.ManagementFactory.getPlatformMBeanServer()
            .getAttribute(bean, "ThreadsReplaced"), "what JMX shows");
        Thread now = zw.pollerThread();
        assertNotSame(blocked, now);

        PlainPeer.writeAll(farB, new byte[] {2}); // only a thread in epoll_wait can see this
        Seen b = seenB.receiveMessage(WAIT);
        assertNotSame(blocked, b.thread(), "B was handled while A's handler still held the old thread");
        assertTrue(blocked.isAlive() && release.getCount() == 1, "A's handler still holds its thread");

        release.countDown();
        blocked.join(WAIT.toMillis());
        assertFalse(blocked.isAlive(), "the replaced poller thread ends once its task returns");
        assertTrue(now.isAlive(), "the new one polls on");
        PlainPeer.writeAll(farA, new byte[] {3});
        seenA.receiveMessage(WAIT); // the blocked socket works again
      } finally {
        farA.close();
        farB.close();
      }
    } finally {
      release.countDown();
      kit.shutdownTestKit();
    }
  }
}
