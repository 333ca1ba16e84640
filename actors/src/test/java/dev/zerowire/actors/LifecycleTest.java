package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.zerowire.actors.SocketProtocol.SendOutcome;
import dev.zerowire.actors.SocketProtocol.SendReply;
import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.NativeSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Terminating the actor system: every Send still gets exactly one outcome, and no thread, fd or
 * pinned buffer survives. Outcomes go to a probe in a second, living system.
 */
class LifecycleTest {
  static final ActorTestKit outer = ActorTestKit.create("outer");

  @AfterAll
  static void stop() {
    outer.shutdownTestKit();
  }

  static long openFds() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  static boolean zerowireThreadsAlive() {
    return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith("zerowire") && t.isAlive());
  }

  @Test
  void terminatingTheSystemGivesEverySendItsOutcomeAndLeaksNothing() throws Exception {
    runOnce(20); // warm-up: loads every class (jar fds) so the second run's count is exact
    long before = openFds();
    runOnce(200);
    long after = openFds();
    assertEquals(before, after, "file descriptors before and after a system with sockets came and went");
    assertFalse(zerowireThreadsAlive(), "a zerowire thread outlived its actor system");
  }

  /**
   * CoordinatedShutdown with a peer that never reads and a close-timeout longer than the whole
   * service-stop phase: zerowire shortens each close to fit, so its task ends inside the phase
   * (the ask would time out otherwise), and every Send still gets its one outcome.
   */
  @Test
  void shutdownClosesWithinItsPhaseWhenThePeerNeverReads() throws Exception {
    ActorSystem<Void> system = ZeroWire.startStandalone("lifecycle-phase", ConfigFactory.parseString(
        "pekko.coordinated-shutdown.phases.service-stop.timeout = 2s\n"
            + "zerowire.socket.close-timeout = 10s\nzerowire.socket.reset-grace = 300ms"));
    ZeroWire zw = ZeroWire.get(system);
    int n = 64;
    NativeBuffer all = NativeBuffer.allocate(n * 65536);
    try (NativeSocket listener = listener();
        NeverReading link = connectNeverReading(zw, listener, zw.defaultOptions().withBuffers(16 * 1024, 0))) {
      TestProbe<SendReply> probe = sendAll(link.zerowire().socket(), all, n);
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      Done d = zw.closedAll().toCompletableFuture().get(1, TimeUnit.SECONDS); // throws if the ask timed out
      assertEquals(Done.getInstance(), d);
      assertOneOutcomeEach(probe, n);
    } finally {
      all.release();
    }
  }

  private void runOnce(int n) throws Exception {
    ActorSystem<Void> system = ZeroWire.startStandalone("lifecycle",
        ConfigFactory.parseString("zerowire.socket.close-timeout = 300ms\nzerowire.socket.reset-grace = 1s"));
    ZeroWire zw = ZeroWire.get(system);
    Thread poller = zw.pollerThread();
    NativeBuffer all = NativeBuffer.allocate(n * 65536);
    try (NativeSocket listener = listener(); NeverReading link = connectNeverReading(zw, listener,
        zw.defaultOptions().withMode(SendMode.ZEROCOPY).withBuffers(64 * 1024, 0))) {
      ActorRef<SocketProtocol.Command> socket = link.zerowire().socket();
      TestProbe<SendReply> probe = sendAll(socket, all, n); // the peer never reads: sends stay queued and in flight
      TestProbe<SocketStats> stats = outer.createTestProbe();
      socket.tell(new SocketProtocol.GetStats(stats.getRef()));
      assertTrue(stats.receiveMessage(Duration.ofSeconds(10)).sends() == n);

      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);

      assertOneOutcomeEach(probe, n);
      probe.expectNoMessage(Duration.ofMillis(100));
    } finally {
      all.release();
    }
    poller.join(5000);
    assertFalse(poller.isAlive(), "the poller thread stopped");
  }

  private static NativeSocket listener() throws Exception {
    NativeSocket l = NativeSocket.tcp4();
    l.bind(new InetSocketAddress("127.0.0.1", 0));
    l.listen(1);
    return l;
  }

  /** A connection from a zerowire socket to a plain peer socket that never reads. */
  private record NeverReading(SocketProtocol.Connected zerowire, NativeSocket peer) implements AutoCloseable {
    @Override
    public void close() {
      peer.close();
    }
  }

  private static NeverReading connectNeverReading(ZeroWire zw, NativeSocket listener, SocketOptions options)
      throws Exception {
    TestProbe<SocketProtocol.ConnectReply> connected = outer.createTestProbe();
    zw.manager().tell(new SocketProtocol.Connect(listener.localAddress(), options, connected.getRef()));
    SocketProtocol.Connected c = connected.expectMessageClass(SocketProtocol.Connected.class, Duration.ofSeconds(10));
    return new NeverReading(c, PlainPeer.acceptOne(listener));
  }

  /** Sends {@code n} 64 KiB slices of {@code all}, correlation ids 0..n-1; their outcomes go to the probe. */
  private static TestProbe<SendReply> sendAll(ActorRef<SocketProtocol.Command> socket, NativeBuffer all, int n) {
    TestProbe<SendReply> probe = outer.createTestProbe();
    for (int k = 0; k < n; k++) {
      socket.tell(new SocketProtocol.Send(List.of(all.slice(k * 65536, 65536)), k, probe.getRef()));
    }
    return probe;
  }

  /** Exactly one outcome for each of the {@code n} Sends, and none withheld. */
  private static void assertOneOutcomeEach(TestProbe<SendReply> probe, int n) {
    Set<Long> ids = new HashSet<>();
    while (ids.size() < n) {
      SendReply r = probe.receiveMessage(Duration.ofSeconds(10));
      if (r instanceof SendOutcome o) {
        assertTrue(ids.add(o.correlationId()), "two outcomes for " + o.correlationId());
        if (o instanceof SocketProtocol.Failed f) {
          assertFalse(f.withheld(), "withheld: " + f);
        }
      }
    }
  }
}
