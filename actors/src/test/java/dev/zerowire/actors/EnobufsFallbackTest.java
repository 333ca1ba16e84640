package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.zerowire.actors.SocketProtocol.SendReply;
import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.NativeSocket;
import dev.zerowire.nativeio.NetworkNamespace;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * ENOBUFS on a zero-copy send (notification memory over net.core.optmem_max): the same bytes go
 * again copied, nothing is dropped, and it is counted. The limit is forced to 0 inside a private
 * network namespace (optmem_max is per namespace), so no zero-copy send can get its notification
 * memory; the host's settings are not touched.
 */
class EnobufsFallbackTest {
  static final ActorTestKit kit = ActorTestKit.create("EnobufsFallbackTest");

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void enobufsSendsTheSameBytesAgainCopied() throws Exception {
    String why = NetworkNamespace.unavailableReason();
    assumeTrue(why == null, "skipped: " + why);
    try (NetworkNamespace netns = NetworkNamespace.create("zwtest-enobufs-" + ProcessHandle.current().pid())) {
      netns.exec("sysctl", "-q", "-w", "net.core.optmem_max=0");
      NativeSocket[] pair = netns.inside(() -> {
        NativeSocket listener = NativeSocket.tcp4();
        listener.bind(new InetSocketAddress("127.0.0.1", 0));
        listener.listen(1);
        NativeSocket client = NativeSocket.tcp4();
        client.connect(listener.localAddress());
        NativeSocket accepted = null;
        for (int i = 0; i < 1000 && accepted == null; i++) {
          accepted = listener.accept();
          if (accepted == null) {
            Thread.sleep(2);
          }
        }
        client.finishConnect();
        listener.close();
        return new NativeSocket[] {client, accepted};
      });
      TestProbe<SocketProtocol.ConnectReply> opened = kit.createTestProbe();
      ZeroWire zw = ZeroWire.get(kit.system());
      zw.manager().tell(new SocketProtocol.Adopt(pair[0], zw.defaultOptions().withMode(SendMode.ZEROCOPY), opened.getRef()));
      SocketProtocol.Connected c = opened.expectMessageClass(SocketProtocol.Connected.class, Duration.ofSeconds(10));
      assertTrue(c.zeroCopy(), "SO_ZEROCOPY itself is allowed; only its notifications have no memory");
      int n = 50;
      int size = 64 * 1024;
      NativeBuffer all = NativeBuffer.allocate(n * size);
      try (Peer peer = Peer.wrap(pair[1], c.socket(), true).startReading(SocketContract::streamByte, 1 << 18, 0)) {
        SocketContract.fillStream(all, n * size, 0);
        TestProbe<SendReply> probe = kit.createTestProbe();
        for (int k = 0; k < n; k++) {
          c.socket().tell(new SocketProtocol.Send(List.of(all.slice(k * size, size)), k, probe.getRef()));
        }
        SocketContract.Outcomes o = new SocketContract.Outcomes();
        o.awaitAll(probe, n, Duration.ofSeconds(30));
        assertEquals(n, o.count(SocketProtocol.Released.class));
        peer.awaitBytes((long) n * size, Duration.ofSeconds(30));
        assertEquals(0, peer.corrupt.get(), "nothing dropped or mangled by the fallback");
        TestProbe<SocketStats> sp = kit.createTestProbe();
        c.socket().tell(new SocketProtocol.GetStats(sp.getRef()));
        SocketStats s = sp.receiveMessage(Duration.ofSeconds(10));
        assertTrue(s.enobufsFallbacks() > 0, "ENOBUFS was hit and counted: " + s);
        assertEquals(0, s.zeroCopySends(), "no zero-copy send could get notification memory: " + s);
        c.socket().tell(new SocketProtocol.Close(null));
      } finally {
        all.release();
      }
    }
  }
}
