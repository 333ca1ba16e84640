package dev.zerowire.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.zerowire.actors.ZeroWire;
import dev.zerowire.blight.BlightProtocol.ServerBound;
import dev.zerowire.blight.BlightProtocol.ServerEvent;
import dev.zerowire.blight.Repaint;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Example (c) in an ActorSystem started with ZeroWire.start, as its main does; the client is a
 * plain Unix socket writing libblight's frames by hand (header: int32 type, uint32 ackid, uint32
 * size, host byte order).
 */
class EmbeddedDisplayServerTest {
  static final ActorTestKit KIT = ActorTestKit.create("display-probes");

  @TempDir
  Path dir;

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  static ByteBuffer frame(int type, int ackid, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(12 + payload.length).order(ByteOrder.nativeOrder());
    return b.putInt(type).putInt(ackid).putInt(payload.length).put(payload).flip();
  }

  /** The next Ack (type 1) from the server, skipping its Pings (type 2); {ackid, size}. */
  static int[] nextAck(SocketChannel c) throws Exception {
    while (true) {
      ByteBuffer h = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder());
      while (h.hasRemaining()) {
        if (c.read(h) < 0) {
          throw new java.io.EOFException("server closed");
        }
      }
      int type = h.getInt(0);
      int size = h.getInt(8);
      c.read(ByteBuffer.allocate(size)); // acks here carry no data; pings carry none
      if (type == 1) {
        return new int[] {h.getInt(4), size};
      }
    }
  }

  @Test
  void theApplicationsHandlerGetsEveryRepaintAndTheClientItsAcks() throws Exception {
    TestProbe<Repaint> compositor = KIT.createTestProbe();
    TestProbe<ServerEvent> events = KIT.createTestProbe();
    SocketAddress path = UnixDomainSocketAddress.of(dir.resolve("blight.sock"));
    ActorSystem<ServerEvent> app = ZeroWire.start(
        EmbeddedDisplayServer.app(path, compositor.ref(), events.ref()), "display-app");
    try {
      assertInstanceOf(ServerBound.class, events.receiveMessage(Duration.ofSeconds(30)));
      List<Repaint> painted = new ArrayList<>();
      try (SocketChannel c = SocketChannel.open(path)) {
        for (int i = 1; i <= 5; i++) {
          Repaint r = new Repaint(i, 2 * i, 100, 50, 1, 0, 0, i, 7);
          painted.add(r);
          c.write(frame(3, i, r.encode()));
        }
        c.write(frame(11, 6, new byte[] {7, 0})); // Focus: never acked
        c.write(frame(2, 7, new byte[0]));        // Ping
        List<Integer> acked = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          int[] ack = nextAck(c);
          assertEquals(0, ack[1], "no ack data");
          acked.add(ack[0]);
        }
        assertEquals(List.of(1, 2, 3, 4, 5, 7), acked, "in order, Focus not acked");
      }
      for (Repaint r : painted) {
        assertEquals(r, compositor.receiveMessage(Duration.ofSeconds(10)));
      }
    } finally {
      app.terminate();
      app.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
  }

  @Test
  void theRepaintClientExampleAgainstTheEmbeddedServer() throws Exception {
    TestProbe<Repaint> compositor = KIT.createTestProbe();
    TestProbe<ServerEvent> events = KIT.createTestProbe();
    SocketAddress path = UnixDomainSocketAddress.of(dir.resolve("d.sock"));
    KIT.spawn(EmbeddedDisplayServer.app(path, compositor.ref(), events.ref()));
    assertInstanceOf(ServerBound.class, events.receiveMessage(Duration.ofSeconds(30)));

    TestProbe<RepaintClient.Result> result = KIT.createTestProbe();
    int count = 500; // many more than the client's 8 payload buffers: each is reused
    KIT.spawn(RepaintClient.create(path, count, result.ref()));
    RepaintClient.Result r = result.receiveMessage(Duration.ofSeconds(60));
    assertEquals(count, r.sent(), r.toString());
    assertEquals(0, r.failed(), r.toString());
    assertEquals(true, r.pingAcked(), "the server read every Repaint before the Ping: " + r);
    for (int i = 0; i < count; i++) {
      Repaint p = compositor.receiveMessage(Duration.ofSeconds(10));
      assertEquals(i, p.marker(), "in order, each buffer refilled only after its Sent");
      assertEquals(i * 10, p.y());
    }
  }
}
