package dev.zerowire.blight;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.zerowire.blight.BlightProtocol.ClientCommand;
import dev.zerowire.blight.BlightProtocol.ClientConnected;
import dev.zerowire.blight.BlightProtocol.ClientEvent;
import dev.zerowire.blight.BlightProtocol.HandlerRequest;
import dev.zerowire.blight.BlightProtocol.ServerBound;
import dev.zerowire.blight.BlightProtocol.ServerCommand;
import dev.zerowire.blight.BlightProtocol.ServerEvent;
import dev.zerowire.blight.BlightProtocol.ServerStopped;
import dev.zerowire.blight.BlightProtocol.StopServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;

/** Shared pieces of the blight actor tests: transports, a server and client under test, raw peers. */
final class BlightTestSupport {
  private BlightTestSupport() {
  }

  static final Duration WAIT = Duration.ofSeconds(10);
  private static final AtomicInteger PATHS = new AtomicInteger();

  /** The transports every client/server test runs over. */
  enum Transport {
    TCP4, TCP6, UNIX;

    SocketAddress listenAddress(Path dir) {
      return switch (this) {
        case TCP4 -> new InetSocketAddress("127.0.0.1", 0);
        case TCP6 -> new InetSocketAddress("::1", 0);
        case UNIX -> UnixDomainSocketAddress.of(dir.resolve("blight-" + PATHS.incrementAndGet() + ".sock"));
      };
    }
  }

  /** A server under test, its events, and the address it listens on. */
  record Server(ActorRef<ServerCommand> ref, TestProbe<ServerEvent> events, SocketAddress address) {

    /** Stops it and returns the summary. */
    BlightProtocol.ServerSummary stop(ActorTestKit kit) {
      TestProbe<ServerStopped> p = kit.createTestProbe();
      ref.tell(new StopServer(p.getRef()));
      return p.expectMessageClass(ServerStopped.class, WAIT).summary();
    }

    /** The next event of class {@code c}, skipping others. */
    <E extends ServerEvent> E await(Class<E> c) {
      return awaitEvent(events, c);
    }
  }

  /** A client under test and its events. */
  record Client(ActorRef<ClientCommand> ref, TestProbe<ClientEvent> events) {
    <E extends ClientEvent> E await(Class<E> c) {
      return awaitEvent(events, c);
    }
  }

  static <T, E extends T> E awaitEvent(TestProbe<T> probe, Class<E> c) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    List<T> skipped = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      T m = probe.receiveMessage(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (c.isInstance(m)) {
        return c.cast(m);
      }
      skipped.add(m);
    }
    return fail("no " + c.getSimpleName() + " within " + WAIT + "; got " + skipped);
  }

  static Server startServer(ActorTestKit kit, SocketAddress listen, BlightSettings settings,
                ActorRef<HandlerRequest> handler) {
    return startServer(kit, listen, settings, handler, null);
  }

  /** The same with {@code budget} as the server's payload budget (null: its own, from the settings). */
  static Server startServer(ActorTestKit kit, SocketAddress listen, BlightSettings settings,
                ActorRef<HandlerRequest> handler, PayloadBudget budget) {
    TestProbe<ServerEvent> events = kit.createTestProbe();
    ActorRef<ServerCommand> ref = kit.spawn(BlightServer.create(List.of(listen), settings, handler, events.getRef(),
        budget));
    ServerBound b = events.expectMessageClass(ServerBound.class, WAIT);
    return new Server(ref, events, b.addresses().get(0));
  }

  static Client connect(ActorTestKit kit, SocketAddress remote, BlightSettings settings) {
    TestProbe<ClientEvent> events = kit.createTestProbe();
    ActorRef<ClientCommand> ref = kit.spawn(BlightClient.connect(remote, settings, events.getRef()));
    events.expectMessageClass(ClientConnected.class, WAIT);
    return new Client(ref, events);
  }

  // ============================================================================ raw peers

  /** A plain JDK socket channel speaking raw bytes (TCP or AF_UNIX), for bad input and silent peers. */
  static final class RawPeer implements AutoCloseable {
    final SocketChannel channel;
    private final ByteArrayOutputStream in = new ByteArrayOutputStream();
    private boolean eof;

    RawPeer(SocketChannel channel) throws IOException {
      this.channel = channel;
      channel.configureBlocking(false);
    }

    static RawPeer connect(SocketAddress a) throws IOException {
      SocketChannel c = SocketChannel.open(a instanceof UnixDomainSocketAddress
          ? StandardProtocolFamily.UNIX : ((InetSocketAddress) a).getAddress() instanceof java.net.Inet6Address
          ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
      c.connect(a);
      return new RawPeer(c);
    }

    void write(byte[] b) throws IOException {
      write(b, 0, b.length);
    }

    void write(byte[] b, int off, int len) throws IOException {
      ByteBuffer buf = ByteBuffer.wrap(b, off, len);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (buf.hasRemaining()) {
        if (channel.write(buf) == 0) {
          drainQuietly(); // the other side may be blocked on our unread acks
          sleep(1);
          if (System.nanoTime() > deadline) {
            fail("raw peer could not write for " + WAIT);
          }
        }
      }
    }

    /** Reads whatever arrived, without waiting. */
    void drainQuietly() throws IOException {
      if (eof) {
        return;
      }
      ByteBuffer b = ByteBuffer.allocate(65536);
      while (true) {
        int n;
        try {
          n = channel.read(b);
        } catch (IOException e) { // reset by the server: the stream ends here
          eof = true;
          return;
        }
        if (n < 0) {
          eof = true;
          return;
        }
        if (n == 0) {
          return;
        }
        in.write(b.array(), 0, n);
        b.clear();
      }
    }

    /** Waits until at least {@code n} bytes have arrived in total (or EOF); returns all so far. */
    byte[] awaitBytes(int n) throws IOException {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (in.size() < n && !eof && System.nanoTime() < deadline) {
        drainQuietly();
        sleep(2);
      }
      return in.toByteArray();
    }

    /** Waits for EOF (or reset) from the other side, reading everything before it. */
    byte[] awaitEof() throws IOException {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!eof && System.nanoTime() < deadline) {
        drainQuietly();
        sleep(2);
      }
      assertTrue(eof, "the other side did not close the connection");
      return in.toByteArray();
    }

    boolean eof() {
      return eof;
    }

    /** Every complete frame received so far. */
    List<BlightFrame> frames() {
      List<BlightFrame> out = new ArrayList<>();
      BlightDecoder d = new BlightDecoder(out::add);
      d.feed(in.toByteArray());
      return out;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  /** A raw listening socket standing in for a server (silent or misbehaving). */
  static final class RawServer implements AutoCloseable {
    final ServerSocketChannel channel;
    final SocketAddress address;

    RawServer(Transport t, Path dir) throws IOException {
      channel = ServerSocketChannel.open(switch (t) {
        case TCP4 -> StandardProtocolFamily.INET;
        case TCP6 -> StandardProtocolFamily.INET6;
        case UNIX -> StandardProtocolFamily.UNIX;
      });
      channel.bind(t.listenAddress(dir));
      address = channel.getLocalAddress();
    }

    RawPeer accept() throws IOException {
      return new RawPeer(channel.accept());
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
