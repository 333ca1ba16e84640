package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerowire.nativeio.NativeBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class SocketSmokeTest {
  static final ActorTestKit kit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  @Test
  void zeroCopySendsAreReleasedAndArriveIntact() throws Exception {
    SocketOptions opts = ZeroWire.get(kit.system()).defaultOptions().withMode(SendMode.ZEROCOPY);
    try (Peer peer = Peer.Transport.TCP4.open(kit, opts).startReading(i -> (byte) (i * 13 + 1), 65536, 0)) {
      assertTrue(peer.zeroCopy);
      TestProbe<SocketProtocol.SendReply> probe = kit.createTestProbe();
      int n = 50;
      int size = 64 * 1024;
      List<NativeBuffer> bufs = new ArrayList<>();
      for (int k = 0; k < n; k++) {
        NativeBuffer b = NativeBuffer.allocate(size);
        for (int i = 0; i < size; i++) {
          b.byteBuffer().put(i, (byte) (((long) k * size + i) * 13 + 1));
        }
        bufs.add(b);
        peer.zw.tell(SocketProtocol.Send.of(b, k, probe.getRef()));
      }
      int released = 0;
      for (int k = 0; k < n; k++) {
        SocketProtocol.SendReply r = probe.receiveMessage(Duration.ofSeconds(10));
        assertTrue(r instanceof SocketProtocol.Released, "got " + r);
        released++;
      }
      assertEquals(n, released);
      peer.awaitBytes((long) n * size, Duration.ofSeconds(10));
      assertEquals(0, peer.corrupt.get());
      TestProbe<SocketStats> sp = kit.createTestProbe();
      peer.zw.tell(new SocketProtocol.GetStats(sp.getRef()));
      SocketStats st = sp.receiveMessage();
      System.out.println(st);
      assertTrue(st.zeroCopySends() > 0);
      bufs.forEach(NativeBuffer::release);
    }
  }
}
