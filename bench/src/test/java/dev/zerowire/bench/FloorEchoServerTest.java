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

  /**
   * A server that reads and never echoes: the client's read would block forever and its writer
   * would block once the buffers are full. The repetition must end with an error at the drain
   * timeout instead (the watchdog closes the channel).
   */
  @Test
  void theEchoClientGivesUpOnAServerThatNeverEchoes() throws Exception {
    EchoServer blackHole = new EchoServer("black-hole") {
      private java.nio.channels.ServerSocketChannel listener;
      private final java.util.List<SocketChannel> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();

      @Override
      InetSocketAddress start() throws Exception {
        listener = java.nio.channels.ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        Thread.ofVirtual().start(() -> {
          try {
            SocketChannel c = listener.accept();
            accepted.add(c);
            ByteBuffer sink = ByteBuffer.allocate(4096);
            for (int i = 0; i < 4 && c.read(sink) >= 0; i++) { // takes a little, then stops reading
              sink.clear();
            }
          } catch (Exception e) {
            // closed at the end of the test
          }
        });
        return (InetSocketAddress) listener.getLocalAddress();
      }

      @Override
      public void close() {
        try {
          for (SocketChannel c : accepted) {
            c.close();
          }
          listener.close();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    };
    try (EchoClient client = new EchoClient(blackHole, 65536, Duration.ofMillis(500))) {
      IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
          () -> client.measure(Duration.ofMillis(100)));
      assertTrue(e.getMessage().contains("came back within 500 ms"), e.getMessage());
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
