package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerowire.nativeio.NativeBuffer;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;

/** ZeroWire.totals() and each live socket's stats as MXBeans in the platform MBean server. */
class JmxTest {
  private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

  private static long attr(ObjectName on, String name) throws Exception {
    return (Long) JMX.getAttribute(on, name);
  }

  @Test
  void totalsAndPerSocketStatsAreReadableAndGoAwayWithTheirOwners() throws Exception {
    ActorTestKit kit = ActorTestKit.create("JmxTest");
    ObjectName totals = new ObjectName("dev.zerowire:type=ZeroWire,system=\"JmxTest\"");
    try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
      ZeroWire zw = ZeroWire.get(kit.system());
      assertTrue(JMX.isRegistered(totals), "registered at start: " + JMX.queryNames(new ObjectName("dev.zerowire:*"), null));
      assertEquals(0L, attr(totals, "Sends"));
      ObjectName poller = new ObjectName("dev.zerowire:type=Poller,system=\"JmxTest\"");
      assertEquals(0L, attr(poller, "ThreadsReplaced"));
      assertEquals(200L, attr(poller, "TaskBudgetMicros"), "the default budget");
      int before = (Integer) JMX.getAttribute(poller, "Registrations");

      CompletableFuture<Long> read = CompletableFuture.supplyAsync(() -> {
        try (SocketChannel c = server.accept()) {
          long n = 0;
          for (int r; (r = c.read(ByteBuffer.allocate(1 << 16))) >= 0; ) {
            n += r;
          }
          return n;
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      TestProbe<SocketProtocol.ConnectReply> connected = kit.createTestProbe();
      SocketAddress to = server.getLocalAddress();
      zw.manager().tell(new SocketProtocol.Connect(to, zw.defaultOptions(), connected.getRef()));
      var socket = connected.expectMessageClass(SocketProtocol.Connected.class, Duration.ofSeconds(10)).socket();

      Set<ObjectName> sockets = JMX.queryNames(new ObjectName("dev.zerowire:type=Socket,system=\"JmxTest\",*"), null);
      assertEquals(1, sockets.size(), sockets.toString());
      ObjectName one = sockets.iterator().next();
      assertEquals(before + 1, (Integer) JMX.getAttribute(poller, "Registrations"), "the new socket's fd");

      NativeBuffer b = NativeBuffer.allocate(100_000);
      TestProbe<SocketProtocol.SendReply> outcomes = kit.createTestProbe();
      for (int i = 0; i < 3; i++) {
        socket.tell(SocketProtocol.Send.of(b, i, outcomes.getRef()));
        outcomes.expectMessageClass(SocketProtocol.Released.class, Duration.ofSeconds(10));
      }
      Thread.sleep(600); // past the shared snapshot of the reads above, so these ask again
      assertEquals(3L, attr(one, "Sends"));
      assertEquals(300_000L, attr(one, "Bytes"));
      assertEquals(3L, attr(one, "Released"));
      assertTrue(attr(one, "SnapshotAgeMillis") >= 0, "the socket answered");
      assertEquals(3L, attr(totals, "Sends"), "live sockets count in the totals");

      TestProbe<SocketProtocol.Event> closed = kit.createTestProbe();
      socket.tell(new SocketProtocol.Close(closed.getRef()));
      closed.expectMessageClass(SocketProtocol.Closed.class, Duration.ofSeconds(10));
      assertEquals(300_000L, read.get(10, TimeUnit.SECONDS));
      closed.awaitAssert(Duration.ofSeconds(10), () -> {
        assertFalse(JMX.isRegistered(one), "gone when the socket actor stopped");
        return null;
      });
      Thread.sleep(600);
      assertEquals(300_000L, attr(totals, "Bytes"), "finished sockets stay in the totals");
      b.release();
    } finally {
      kit.shutdownTestKit();
    }
    // Unregistered by a callback on the system's termination, which may run just after it.
    for (int i = 0; i < 100 && JMX.isRegistered(totals); i++) {
      Thread.sleep(100);
    }
    assertFalse(JMX.isRegistered(totals), "gone when the system terminated");
    assertFalse(JMX.isRegistered(new ObjectName("dev.zerowire:type=Poller,system=\"JmxTest\"")), "the poller's too");
  }
}
