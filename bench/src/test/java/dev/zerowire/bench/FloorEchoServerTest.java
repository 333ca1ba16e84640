package dev.zerowire.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * floor-echo sends back exactly the bytes it got, in order, on every connection. A lost byte
 * would leave a reader blocked forever: the timeout (a hang guard, not a speed limit) turns that
 * into a failure.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FloorEchoServerTest {
  /** More than the server's 64 KiB buffer and the socket buffers, so reads and writes interleave. */
  private static final int BYTES = 3 * 1024 * 1024 + 123;

  @Test
  void echoesEveryByteInOrderOnTwoConnectionsAtOnce() throws Exception {
    try (FloorEchoServer server = new FloorEchoServer()) {
      InetSocketAddress address = server.start();
      try (SocketChannel a = SocketChannel.open(address); SocketChannel b = SocketChannel.open(address)) {
        CompletableFuture<byte[]> fromA = CompletableFuture.supplyAsync(() -> roundTrip(a, 1));
        CompletableFuture<byte[]> fromB = CompletableFuture.supplyAsync(() -> roundTrip(b, 2));
        assertArrayEquals(pattern(1), fromA.get());
        assertArrayEquals(pattern(2), fromB.get());
      }
    }
  }

  /** The scenario's own client against the floor: every byte written came back. */
  @Test
  void theEchoClientGetsBackWhatItWrote() throws Exception {
    try (EchoClient client = new EchoClient(new FloorEchoServer(), 4096)) {
      Sample s = client.measure(Duration.ofMillis(200));
      assertEquals(FloorEchoServer.IMPL, client.impl());
      assertTrue(s.extras().get("echoed_bytes") > 0, "something was echoed");
      assertTrue(s.primary() > 0);
    }
  }

  private static byte[] pattern(int seed) {
    byte[] p = new byte[BYTES];
    for (int i = 0; i < BYTES; i++) {
      p[i] = (byte) (i * 31 + seed);
    }
    return p;
  }

  /** Writes the pattern from a second thread while reading the echo here; returns what came back. */
  private static byte[] roundTrip(SocketChannel c, int seed) {
    try {
      Thread writer = Thread.ofPlatform().start(() -> {
        try {
          ByteBuffer out = ByteBuffer.wrap(pattern(seed));
          while (out.hasRemaining()) {
            c.write(out);
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      ByteBuffer in = ByteBuffer.allocate(BYTES);
      while (in.hasRemaining()) {
        if (c.read(in) < 0) {
          throw new IllegalStateException("the floor closed after " + in.position() + " bytes");
        }
      }
      writer.join();
      return in.array();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
