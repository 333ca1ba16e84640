package dev.zerowire.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.zerowire.actors.SocketProtocol.Bound;
import dev.zerowire.actors.SocketProtocol.ListenerEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Example (b) with plain java.nio clients over loopback TCP and a Unix socket. */
class EchoServerTest {
  static final ActorTestKit KIT = ActorTestKit.create("echo");

  /** Blocking clients need threads of their own: the common pool may have only one (2 cores). */
  static final java.util.concurrent.ExecutorService POOL = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();

  @TempDir
  Path dir;

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
    POOL.shutdownNow();
  }

  static SocketAddress start(SocketAddress address) {
    TestProbe<ListenerEvent> bound = KIT.createTestProbe();
    KIT.spawn(EchoServer.create(address, bound.ref()));
    return assertInstanceOf(Bound.class, bound.receiveMessage(Duration.ofSeconds(30))).local();
  }

  /** Writes {@code data} from one thread while reading the echo on this one; returns the echo. */
  static byte[] echo(SocketAddress server, byte[] data) throws Exception {
    try (SocketChannel c = SocketChannel.open(server)) {
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> { // its own thread: see POOL
        try {
          ByteBuffer b = ByteBuffer.wrap(data);
          while (b.hasRemaining()) {
            c.write(b);
          }
          c.shutdownOutput();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, POOL);
      ByteBuffer back = ByteBuffer.allocate(data.length + 1);
      while (c.read(back) >= 0 && back.position() <= data.length) {
        // until EOF: the server closes after echoing everything we sent before our FIN
      }
      writer.get(30, TimeUnit.SECONDS);
      byte[] out = new byte[back.position()];
      back.flip().get(out);
      return out;
    }
  }

  @Test
  void echoesEveryByteOverTcpAndUnix() throws Exception {
    byte[] data = new byte[3 * 1024 * 1024 + 17];
    new Random(11).nextBytes(data);
    SocketAddress tcp = start(new InetSocketAddress("127.0.0.1", 0));
    SocketAddress unix = start(UnixDomainSocketAddress.of(dir.resolve("echo.sock")));
    for (SocketAddress server : new SocketAddress[] {tcp, unix}) {
      // Two clients at once: each connection has its own actor and its own order.
      CompletableFuture<byte[]> other = CompletableFuture.supplyAsync(() -> {
        try {
          return echo(server, "hello".getBytes());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, POOL);
      byte[] back = echo(server, data);
      assertEquals(data.length, back.length, server.toString());
      assertArrayEquals(data, back, server.toString());
      assertArrayEquals("hello".getBytes(), other.get(30, TimeUnit.SECONDS));
    }
  }
}
