package dev.zerowire.samples.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The one receiver every stream implementation sends to: a loopback TCP listener that gives each
 * accepted connection a platform thread doing blocking {@code read}s into a 256 KiB direct buffer
 * and counting the bytes. Nothing else: no parsing, no copying out, the same for everybody.
 */
final class StreamReceiver implements AutoCloseable {
  static final int READ_BUFFER = 256 * 1024;

  private final ServerSocketChannel server;
  private final BlockingQueue<Connection> accepted = new LinkedBlockingQueue<>();
  private final CpuMeter.ThreadSet threads = new CpuMeter.ThreadSet();
  private final Thread acceptor;
  private volatile boolean closed;

  StreamReceiver() throws IOException {
    server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    acceptor = Thread.ofPlatform().name("bench-receiver-accept").daemon(true).start(this::acceptLoop);
  }

  InetSocketAddress address() throws IOException {
    return (InetSocketAddress) server.getLocalAddress();
  }

  /** The reader threads: their CPU is the receiver's, subtracted from process CPU readings. */
  CpuMeter.ThreadSet threads() {
    return threads;
  }

  /** The next connection accepted (connect first, then call this). */
  Connection awaitConnection(Duration timeout) throws InterruptedException, TimeoutException {
    Connection c = accepted.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (c == null) {
      throw new TimeoutException("no connection arrived at the receiver within " + timeout.toMillis() + " ms");
    }
    return c;
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        SocketChannel ch = server.accept();
        Connection c = new Connection(ch);
        c.reader = Thread.ofPlatform().name("bench-receiver-read").daemon(true).unstarted(c::readLoop);
        threads.add(c.reader);
        c.reader.start();
        accepted.add(c);
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        if (!closed) {
          System.err.println("receiver accept failed: " + e);
        }
        return;
      }
    }
  }

  /** One accepted connection and its counting reader. */
  static final class Connection implements AutoCloseable {
    private final SocketChannel channel;
    private final AtomicLong bytes = new AtomicLong();
    private Thread reader;
    private volatile Thread waiter;
    private volatile long target = Long.MAX_VALUE;
    private volatile boolean eof;
    private volatile IOException error;

    private Connection(SocketChannel channel) throws IOException {
      this.channel = channel;
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
    }

    long received() {
      return bytes.get();
    }

    private void readLoop() {
      ByteBuffer buf = ByteBuffer.allocateDirect(READ_BUFFER);
      try {
        while (true) {
          buf.clear();
          int n = channel.read(buf);
          if (n < 0) {
            eof = true;
            break;
          }
          long now = bytes.addAndGet(n);
          if (now >= target) {
            Thread w = waiter;
            if (w != null) {
              LockSupport.unpark(w);
            }
          }
        }
      } catch (IOException e) {
        error = e;
      } finally {
        Thread w = waiter;
        if (w != null) {
          LockSupport.unpark(w);
        }
      }
    }

    /**
     * Waits until {@code total} bytes have arrived since the connection opened, then checks that
     * no more than that did: the sender's count and the receiver's must agree exactly.
     */
    void awaitExactly(long total, Duration timeout) throws IOException, TimeoutException {
      long deadline = System.nanoTime() + timeout.toNanos();
      waiter = Thread.currentThread();
      target = total;
      try {
        while (bytes.get() < total) {
          if (error != null) {
            throw new IOException("receiver read failed after " + bytes.get() + " of " + total + " bytes", error);
          }
          if (eof) {
            throw new IOException("connection closed after " + bytes.get() + " of " + total + " bytes");
          }
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new TimeoutException("receiver has " + bytes.get() + " of " + total + " bytes after "
                + timeout.toMillis() + " ms");
          }
          LockSupport.parkNanos(this, Math.min(left, 50_000_000L));
        }
      } finally {
        target = Long.MAX_VALUE;
        waiter = null;
      }
      if (bytes.get() != total) {
        throw new IOException("byte count mismatch: the sender reports " + total + " bytes, the receiver got " + bytes.get());
      }
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    Connection c;
    while ((c = accepted.poll()) != null) {
      c.close();
    }
  }
}
