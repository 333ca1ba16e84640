package dev.zerowire.bench;

import dev.zerowire.blight.BlightHeader;
import dev.zerowire.blight.BlightType;
import dev.zerowire.blight.BlightWire;
import dev.zerowire.blight.Repaint;
import dev.zerowire.blight.SurfaceInfo;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The Java-side blight server both blight scenarios send to, the same for every client: one
 * platform thread per connection doing blocking reads into a 256 KiB direct buffer and walking the
 * 12-byte headers in place (host byte order, {@link BlightWire#ORDER}).
 *
 * <ul>
 *   <li>{@link Mode#COUNT_REPAINTS} (small-messages): counts Repaint messages and checks each is
 *       exactly a Repaint with a 36-byte payload. It does not ack them, so neither client spends
 *       time reading acks and the count measures sending alone.
 *   <li>{@link Mode#ACK_INFO} (round-trip): answers every Info with an Ack carrying the same ackid
 *       and a 32-byte {@link SurfaceInfo}, written in one call.
 * </ul>
 *
 * Anything else on the wire is a protocol error that stops the connection and fails the run.
 */
final class BlightServer extends AcceptingServer<BlightServer.Connection> {
  enum Mode { COUNT_REPAINTS, ACK_INFO }

  static final SurfaceInfo INFO = new SurfaceInfo(0, 0, 1404, 1872, 2808, 1, 1.0);

  private final BlightTransport transport;
  private final Mode mode;
  private final SocketAddress address;

  BlightServer(BlightTransport transport, Mode mode) throws IOException {
    super(transport.listen(), "bench-blight-server");
    this.transport = transport;
    this.mode = mode;
    this.address = localAddress();
    start();
  }

  SocketAddress address() {
    return address;
  }

  @Override
  Connection connection(SocketChannel ch) throws IOException {
    transport.configure(ch);
    return new Connection(ch, mode);
  }

  @Override
  Runnable work(Connection c) {
    return c::serve;
  }

  /** One client connection and its serving thread. */
  static final class Connection implements java.io.Closeable {
    private final SocketChannel channel;
    private final Mode mode;
    private final AtomicLong messages = new AtomicLong();
    private volatile Thread waiter;
    private volatile long target = Long.MAX_VALUE;
    private volatile String error;
    private volatile boolean eof;

    Connection(SocketChannel channel, Mode mode) {
      this.channel = channel;
      this.mode = mode;
    }

    /** Messages handled so far: Repaints counted, or Info requests answered. */
    long messages() {
      return messages.get();
    }

    private void serve() {
      ByteBuffer in = ByteBuffer.allocateDirect(256 * 1024).order(BlightWire.ORDER);
      ByteBuffer ack = ByteBuffer.allocateDirect(BlightHeader.SIZE + SurfaceInfo.SIZE).order(BlightWire.ORDER);
      ack.putInt(0, BlightType.ACK.code()).putInt(8, SurfaceInfo.SIZE);
      ack.position(BlightHeader.SIZE);
      INFO.encode(ack);
      try {
        while (true) {
          if (channel.read(in) < 0) {
            eof = true;
            return;
          }
          in.flip();
          long handled = 0;
          while (in.remaining() >= BlightHeader.SIZE) {
            int p = in.position();
            int type = in.getInt(p);
            int ackid = in.getInt(p + 4);
            int size = in.getInt(p + 8);
            String bad = check(type, size);
            if (bad != null) {
              error = bad + " (message " + (messages.get() + handled) + ")";
              return;
            }
            if (in.remaining() < BlightHeader.SIZE + size) {
              break;
            }
            in.position(p + BlightHeader.SIZE + size);
            if (mode == Mode.ACK_INFO) {
              messages.incrementAndGet(); // counted before the client can see its Ack
              ack.clear().putInt(4, ackid);
              while (ack.hasRemaining()) {
                channel.write(ack);
              }
            } else {
              handled++;
            }
          }
          in.compact();
          if (messages.addAndGet(handled) >= target) {
            Thread w = waiter;
            if (w != null) {
              LockSupport.unpark(w);
            }
          }
        }
      } catch (IOException e) {
        if (!eof) {
          error = "read failed: " + e;
        }
      } finally {
        Thread w = waiter;
        if (w != null) {
          LockSupport.unpark(w);
        }
      }
    }

    private String check(int type, int size) {
      if (mode == Mode.COUNT_REPAINTS) {
        return type == BlightType.REPAINT.code() && size == Repaint.SIZE ? null
            : "expected a Repaint with a " + Repaint.SIZE + "-byte payload, got " + new BlightHeader(type, 0, size);
      }
      return type == BlightType.INFO.code() && size == 2 ? null
          : "expected an Info with a 2-byte surface id, got " + new BlightHeader(type, 0, size);
    }

    /** Waits until exactly {@code total} messages have been handled since the connection opened. */
    void awaitExactly(long total, Duration timeout) throws IOException, TimeoutException {
      long deadline = System.nanoTime() + timeout.toNanos();
      waiter = Thread.currentThread();
      target = total;
      try {
        while (messages.get() < total) {
          if (error != null) {
            throw new IOException("blight server: " + error);
          }
          if (eof) {
            throw new IOException("client closed after " + messages.get() + " of " + total + " messages");
          }
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new TimeoutException("server has " + messages.get() + " of " + total + " messages after "
                + timeout.toMillis() + " ms");
          }
          LockSupport.parkNanos(this, Math.min(left, 50_000_000L));
        }
      } finally {
        target = Long.MAX_VALUE;
        waiter = null;
      }
      if (messages.get() != total) {
        throw new IOException("message count mismatch: the client reports " + total + ", the server handled " + messages.get());
      }
      if (error != null) {
        throw new IOException("blight server: " + error);
      }
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  @Override
  public void close() throws IOException {
    super.close();
    BlightTransport.cleanUp(address);
  }
}
