package dev.zerowire.bench;

import dev.zerowire.nativeio.Epoll;
import dev.zerowire.nativeio.Kernel;
import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.NativeSocket;
import dev.zerowire.nativeio.SendVector;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code floor-echo}: the echo floor. Native-io only, one platform thread, no actors, the syscalls
 * zerowire's example EchoServer makes: {@code accept4}, {@code recv} into a buffer of
 * zerowire's {@code read-buffer-size} (64 KiB), and that buffer sent back as it is with one
 * {@code sendmsg(MSG_DONTWAIT)} per read. One {@code epoll} (level-triggered: epoll(7)) watches
 * the listening socket and every connection.
 *
 * <p>It sets TCP_NODELAY (tcp(7)) on each connection, as the client and the java-nio and Netty
 * servers here do; zerowire's example leaves Nagle on (zerowire's default {@code tcp-nodelay =
 * off}). Without it a server that stops reading while its write waits meets Nagle's algorithm
 * holding its small segments for the client's delayed ACK (tcp(7), TCP_QUICKACK), and the floor
 * fell to about half of zerowire at 4 KiB in one quick run: a stall of that option, not an
 * actor tax, so the floor takes the option a careful C program would.
 *
 * <p>What must stay true: a connection's buffer is read into again only after everything read
 * into it has been written back, so the echo is the bytes received in their order; while a write
 * waits for room (EAGAIN) the connection is watched for EPOLLOUT only, and nothing more is read
 * from it (the same back-pressure zerowire's receive pool gives).
 */
final class FloorEchoServer extends EchoServer {
  static final String IMPL = "floor-echo";
  private static final int BUFFER = 64 * 1024; // zerowire.socket.read-buffer-size
  private static final long LISTENER = 0;

  private NativeSocket listener;
  private Epoll epoll;
  private Thread thread;
  private volatile boolean stopping;

  FloorEchoServer() {
    super(IMPL);
  }

  @Override
  InetSocketAddress start() throws Exception {
    listener = NativeSocket.tcp4();
    listener.bind(new InetSocketAddress("127.0.0.1", 0));
    listener.listen(128);
    epoll = new Epoll(64);
    epoll.add(listener.fd(), Kernel.EPOLLIN, LISTENER);
    thread = Thread.ofPlatform().name("bench-floor-echo").daemon(true).start(this::loop);
    return (InetSocketAddress) listener.localAddress();
  }

  /** One connection: its socket, its one buffer and the part of it not yet written back. */
  private static final class Connection {
    final NativeSocket socket;
    final NativeBuffer buffer = NativeBuffer.allocate(BUFFER);
    final SendVector vector = new SendVector(1);
    int written;
    int read;

    Connection(NativeSocket socket) {
      this.socket = socket;
    }

    /** Writes back what is left of the last read; false when the kernel has no room for it yet. */
    boolean flush() throws IOException {
      while (written < read) {
        vector.clear();
        vector.add(buffer, written, read - written);
        long n = socket.send(vector, false);
        if (n == NativeSocket.WOULD_BLOCK) {
          return false;
        }
        written += (int) n;
      }
      return true;
    }

    void close() {
      socket.close();
      vector.free();
      buffer.release(); // copy sends only: the kernel holds no reference to it once send returned
    }
  }

  private void loop() {
    Map<Long, Connection> connections = new HashMap<>();
    long nextToken = 1;
    try {
      while (!stopping) {
        int n = epoll.waitFor(100);
        for (int i = 0; i < n; i++) {
          long token = epoll.token(i);
          if (token == LISTENER) {
            NativeSocket s;
            while ((s = listener.accept()) != null) {
              s.setTcpNoDelay(true); // as the client, java-nio and netty-epoll here: see the class comment
              connections.put(nextToken, new Connection(s));
              epoll.add(s.fd(), Kernel.EPOLLIN, nextToken++);
            }
            continue;
          }
          Connection c = connections.get(token);
          if (c != null && !serve(c, token)) {
            connections.remove(token);
            epoll.remove(c.socket.fd());
            c.close();
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      if (!stopping) {
        System.err.println("floor echo server failed: " + e);
      }
    } finally {
      connections.values().forEach(Connection::close);
    }
  }

  /** Echoes what the connection has; false when it ended (end of stream or an error). */
  private boolean serve(Connection c, long token) throws IOException {
    try {
      if (c.written < c.read) { // woken for EPOLLOUT
        if (!c.flush()) {
          return true;
        }
        epoll.modify(c.socket.fd(), Kernel.EPOLLIN, token);
      }
      while (true) {
        long r = c.socket.recv(c.buffer, 0, BUFFER);
        if (r == NativeSocket.WOULD_BLOCK) {
          return true;
        }
        if (r == 0) {
          return false;
        }
        c.read = (int) r;
        c.written = 0;
        if (!c.flush()) {
          epoll.modify(c.socket.fd(), Kernel.EPOLLOUT, token);
          return true;
        }
      }
    } catch (IOException e) {
      if (e instanceof dev.zerowire.nativeio.SocketClosedException) {
        throw e;
      }
      return false; // ECONNRESET, EPIPE: the client went away
    }
  }

  @Override
  public void close() {
    stopping = true;
    try {
      if (thread != null) {
        thread.join(5_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread == null || !thread.isAlive()) { // never close an epoll a thread may still wait on
      if (epoll != null) {
        epoll.close();
      }
    }
    if (listener != null) {
      listener.close();
    }
  }
}
