package dev.zerowire.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The one receiver every stream implementation sends to: a loopback TCP listener that gives each
 * accepted connection a platform thread doing blocking {@code read}s into a 256 KiB direct buffer
 * and counting the bytes. Nothing else: no parsing, no copying out, the same for everybody.
 */
final class StreamReceiver extends AcceptingServer<StreamReceiver.Connection> {
  static final int READ_BUFFER = 256 * 1024;

  StreamReceiver() throws IOException {
    super(listen(), "bench-receiver");
    start();
  }

  private static ServerSocketChannel listen() throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    return server;
  }

  InetSocketAddress address() throws IOException {
    return (InetSocketAddress) localAddress();
  }

  @Override
  Connection connection(SocketChannel ch) throws IOException {
    return new Connection(ch);
  }

  @Override
  Runnable work(Connection c) {
    return c::readLoop;
  }

  /** One accepted connection and its counting reader. */
  static final class Connection implements java.io.Closeable {
    private final SocketChannel channel;
    private final AtomicLong bytes = new AtomicLong();
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
}
