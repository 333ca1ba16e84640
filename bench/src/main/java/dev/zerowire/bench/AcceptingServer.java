package dev.zerowire.bench;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The far end the bench measures against: a blocking JDK server that accepts on a thread of its
 * own and gives every connection a platform thread, counted as the receiver's CPU. Subclasses say
 * what a connection is and what its thread does.
 *
 * @param <C> a connection, closed with the server
 */
abstract class AcceptingServer<C extends java.io.Closeable> implements AutoCloseable {
  private final ServerSocketChannel server;
  private final String name;
  private final BlockingQueue<C> accepted = new LinkedBlockingQueue<>();
  private final CpuMeter.ThreadSet threads = new CpuMeter.ThreadSet();
  private volatile boolean closed;

  AcceptingServer(ServerSocketChannel server, String name) {
    this.server = server;
    this.name = name;
  }

  /** Starts accepting; the subclass calls it last in its constructor, once its fields are set. */
  final void start() {
    Thread.ofPlatform().name(name + "-accept").daemon(true).start(this::acceptLoop);
  }

  /** A connection for {@code ch}, freshly accepted. */
  abstract C connection(SocketChannel ch) throws IOException;

  /** What the connection's own thread runs. */
  abstract Runnable work(C connection);

  final SocketAddress localAddress() throws IOException {
    return server.getLocalAddress();
  }

  /** The connection threads: their CPU is the receiver's, subtracted from process CPU readings. */
  final CpuMeter.ThreadSet threads() {
    return threads;
  }

  /** The next connection accepted (connect first, then call this). */
  final C awaitConnection(Duration timeout) throws InterruptedException, TimeoutException {
    C c = accepted.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (c == null) {
      throw new TimeoutException("no connection arrived at the " + name + " within " + timeout.toMillis() + " ms");
    }
    return c;
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        C c = connection(server.accept());
        Thread t = Thread.ofPlatform().name(name).daemon(true).unstarted(work(c));
        threads.add(t);
        t.start();
        accepted.add(c);
      } catch (ClosedChannelException e) {
        return;
      } catch (Exception e) {
        if (!closed) {
          System.err.println(name + " accept failed: " + e);
        }
        return;
      }
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    C c;
    while ((c = accepted.poll()) != null) {
      c.close();
    }
  }
}
