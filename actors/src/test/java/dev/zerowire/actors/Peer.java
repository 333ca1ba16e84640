package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.zerowire.nativeio.Epoll;
import dev.zerowire.nativeio.Kernel;
import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.NativeSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongUnaryOperator;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The far end of a socket under test: a plain native socket read on a platform thread of its own,
 * outside the actor system, that checks every byte it receives against an expected stream.
 */
final class Peer implements AutoCloseable {
  final NativeSocket socket;
  final ActorRef<SocketProtocol.Command> zw;
  final boolean zeroCopy;
  final AtomicLong received = new AtomicLong();
  final AtomicLong corrupt = new AtomicLong();
  volatile long firstCorruptAt = -1;
  private Thread reader;
  private volatile boolean stop;
  volatile boolean eof;
  volatile boolean closeOnEof = true;
  volatile boolean reset; // the stream ended in an error (ECONNRESET), not an end of stream

  private Peer(NativeSocket socket, ActorRef<SocketProtocol.Command> zw, boolean zeroCopy) {
    this.socket = socket;
    this.zw = zw;
    this.zeroCopy = zeroCopy;
  }

  /** A peer around sockets a test made itself. */
  static Peer wrap(NativeSocket peerSide, ActorRef<SocketProtocol.Command> zw, boolean zeroCopy) {
    return new Peer(peerSide, zw, zeroCopy);
  }

  /** The transports every differential test runs over. */
  enum Transport {
    TCP4, TCP6, UNIX;

    Peer open(ActorTestKit kit, SocketOptions options) throws Exception {
      TestProbe<SocketProtocol.ConnectReply> probe = kit.createTestProbe();
      ZeroWire zw = ZeroWire.get(kit.system());
      if (this == UNIX) {
        NativeSocket[] pair = NativeSocket.socketpair(Kernel.SOCK_STREAM);
        zw.manager().tell(new SocketProtocol.Adopt(pair[0], options, probe.getRef()));
        SocketProtocol.Connected c = probe.expectMessageClass(SocketProtocol.Connected.class, Duration.ofSeconds(10));
        return new Peer(pair[1], c.socket(), c.zeroCopy());
      }
      try (NativeSocket listener = this == TCP4 ? NativeSocket.tcp4() : NativeSocket.tcp6()) {
        InetAddress lo = InetAddress.getByName(this == TCP4 ? "127.0.0.1" : "::1");
        listener.bind(new InetSocketAddress(lo, 0));
        listener.listen(4);
        zw.manager().tell(new SocketProtocol.Connect(listener.localAddress(), options, probe.getRef()));
        SocketProtocol.Connected c = probe.expectMessageClass(SocketProtocol.Connected.class, Duration.ofSeconds(10));
        NativeSocket accepted = null;
        for (int i = 0; i < 1000 && accepted == null; i++) {
          accepted = listener.accept();
          if (accepted == null) {
            Thread.sleep(5);
          }
        }
        assertNotNull(accepted, "loopback connection was never accepted");
        return new Peer(accepted, c.socket(), c.zeroCopy());
      }
    }
  }

  /**
   * Starts reading: byte {@code i} of the stream must be {@code expected(i)}. Reads through a
   * {@code chunk}-byte buffer, sleeping {@code pauseMicros} per read to let the sender's queue
   * fill (forcing partial writes and would-block on the sender).
   */
  Peer startReading(LongUnaryOperator expected, int chunk, int pauseMicros) {
    reader = Thread.ofPlatform().name("peer-reader").start(() -> {
      NativeBuffer buf = NativeBuffer.allocate(chunk);
      byte[] tmp = new byte[chunk];
      try (Epoll ep = new Epoll(4)) {
        ep.add(socket.fd(), Kernel.EPOLLIN | Kernel.EPOLLRDHUP, 1);
        while (!stop) {
          long n = socket.recv(buf, 0, chunk);
          if (n == NativeSocket.WOULD_BLOCK) {
            ep.waitFor(50);
            continue;
          }
          if (n == 0) {
            eof = true;
            if (closeOnEof) {
              socket.shutdownOutput(); // as a well-behaved peer does: our end of stream answers theirs
            }
            break;
          }
          buf.get(0, tmp, 0, (int) n);
          long base = received.get();
          for (int i = 0; i < n; i++) {
            if (tmp[i] != (byte) expected.applyAsLong(base + i)) {
              if (corrupt.getAndIncrement() == 0) {
                firstCorruptAt = base + i;
              }
            }
          }
          received.addAndGet(n);
          if (pauseMicros > 0) {
            Thread.sleep(0, 0);
            java.util.concurrent.locks.LockSupport.parkNanos(pauseMicros * 1000L);
          }
        }
      } catch (IOException e) {
        reset = true;
        eof = true; // reset by the sender (Abort): the stream ends here
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        buf.release();
      }
    });
    return this;
  }

  /** Waits until {@code bytes} have arrived (or EOF). */
  void awaitBytes(long bytes, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (received.get() < bytes && !eof && System.nanoTime() < deadline) {
      Thread.sleep(2);
    }
    assertEquals(bytes, received.get(), "bytes received by the peer");
  }

  void awaitEof(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!eof && System.nanoTime() < deadline) {
      Thread.sleep(2);
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop = true;
    if (reader != null) {
      reader.join(5000);
    }
    socket.close();
  }
}
