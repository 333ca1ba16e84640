package dev.zerowire.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Example (a) against a plain java.nio peer on loopback TCP. */
class SendBuffersTest {
  static final ActorTestKit KIT = ActorTestKit.create("send-buffers");

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  static SendBuffers.Result run(InetSocketAddress peer, int count, int size) {
    TestProbe<SendBuffers.Result> probe = KIT.createTestProbe();
    KIT.spawn(SendBuffers.create(peer, count, size, 8, probe.ref()));
    return probe.expectMessageClass(SendBuffers.Result.class, java.time.Duration.ofSeconds(60));
  }

  @Test
  void everyBufferArrivesInOrderAndComesBack() throws Exception {
    int count = 300;
    int size = 32 * 1024;
    try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
      CompletableFuture<Long> badBytes = CompletableFuture.supplyAsync(() -> {
        try (SocketChannel c = server.accept()) {
          ByteBuffer b = ByteBuffer.allocate(size);
          long bad = 0;
          for (int i = 0; i < count; i++) {
            b.clear();
            while (b.hasRemaining()) {
              if (c.read(b) < 0) {
                return -1L; // EOF early
              }
            }
            for (int k = 0; k < size; k++) {
              bad += b.get(k) == (byte) i ? 0 : 1; // send i was filled with (byte) i
            }
          }
          return c.read(ByteBuffer.allocate(1)) < 0 ? bad : -2L; // then EOF: the sender closed
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      SendBuffers.Result r = run((InetSocketAddress) server.getLocalAddress(), count, size);
      assertEquals(new SendBuffers.Result(count, count, 0, 0, 0, 0, 0, "closed"), r);
      assertEquals(0L, badBytes.get(30, TimeUnit.SECONDS), "every byte in order, then EOF");
    }
  }

  @Test
  void aPeerResetFailsSendsAndEveryBufferIsStillAccountedFor() throws Exception {
    int count = 2000;
    int size = 64 * 1024;
    try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
      CompletableFuture.runAsync(() -> {
        try (SocketChannel c = server.accept()) {
          c.read(ByteBuffer.allocate(1 << 20));
          c.setOption(StandardSocketOptions.SO_LINGER, 0); // close with RST, unread data pending
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      SendBuffers.Result r = run((InetSocketAddress) server.getLocalAddress(), count, size);
      assertTrue(r.released() < count, r.toString()); // 128 MB cannot all fit in a reset connection
      assertEquals(r.sent(), r.released() + r.failed() + r.refused() + r.unprocessed(), r.toString());
      assertEquals(0, r.leaked(), "every buffer freed or withheld: " + r);
    }
  }

  @Test
  void aRefusedConnectIsReportedAndFreesTheBuffers() throws Exception {
    InetSocketAddress nobody;
    try (ServerSocketChannel s = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
      nobody = (InetSocketAddress) s.getLocalAddress(); // closed again: nothing listens there now
    }
    SendBuffers.Result r = run(nobody, 10, 4096);
    assertEquals(0, r.sent());
    assertTrue(r.how().startsWith("connect failed"), r.how());
  }
}
