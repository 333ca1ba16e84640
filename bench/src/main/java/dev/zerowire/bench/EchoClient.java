package dev.zerowire.bench;

import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The echo scenario's load, the same for every server: one connection, a writer thread sending
 * payloads as fast as TCP takes them, and the measuring thread reading the echo back. A repetition
 * ends when the writer has stopped at the deadline and every byte it wrote has come back, so
 * nothing carries over into the next one; MB/s is echoed bytes over that whole time.
 */
final class EchoClient implements Contender {
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);

  private final Duration drainTimeout;
  private final EchoServer server;
  private final int payload;
  private final SocketChannel channel;
  private final Worker writer;

  EchoClient(EchoServer server, int payload) throws Exception {
    this(server, payload, DRAIN_TIMEOUT);
  }

  /** {@code drainTimeout}: how long after the writer's deadline the echo may take to come back. */
  EchoClient(EchoServer server, int payload, Duration drainTimeout) throws Exception {
    this.drainTimeout = drainTimeout;
    this.server = server;
    this.payload = payload;
    InetSocketAddress address = server.start();
    this.channel = SocketChannel.open(address);
    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
    this.writer = new Worker("bench-echo-writer");
  }

  @Override
  public String impl() {
    return server.impl();
  }

  @Override
  public Sample measure(Duration d) throws Exception {
    ByteBuffer out = ByteBuffer.allocateDirect(payload);
    ByteBuffer in = ByteBuffer.allocateDirect(256 * 1024);
    AtomicLong written = new AtomicLong();
    long start = System.nanoTime();
    long deadline = start + d.toNanos();
    java.util.concurrent.Future<?> w = writer.submit(() -> {
      while (System.nanoTime() < deadline) {
        out.clear();
        while (out.hasRemaining()) {
          channel.write(out);
        }
        written.addAndGet(payload);
      }
      return null;
    });
    long read = 0;
    long drainDeadline = deadline + drainTimeout.toNanos();
    // A server that loses bytes or stops reading would leave the read (or the writer's write)
    // blocked forever: at the drain deadline the watchdog closes the channel, which ends both
    // (AsynchronousCloseException), and the repetition fails with what came back.
    Thread watchdog = Thread.ofVirtual().start(() -> {
      try {
        Thread.sleep(Duration.ofNanos(Math.max(0, drainDeadline - System.nanoTime())));
        channel.close();
      } catch (InterruptedException | java.io.IOException e) {
        // done in time (interrupted), or already closed
      }
    });
    try {
      while (!w.isDone() || read < written.get()) {
        if (System.nanoTime() > drainDeadline) {
          throw new IllegalStateException(impl() + ": only " + read + " of " + written.get() + " bytes came back within "
              + drainTimeout.toMillis() + " ms of the end");
        }
        if (read >= written.get()) { // block in read only for bytes written already: they will come back
          Thread.onSpinWait();
          continue;
        }
        in.clear();
        int n = channel.read(in);
        if (n < 0) {
          throw new IllegalStateException(impl() + ": the echo server closed the connection");
        }
        read += n;
      }
    } catch (java.nio.channels.AsynchronousCloseException e) {
      throw new IllegalStateException(impl() + ": only " + read + " of " + written.get() + " bytes came back within "
          + drainTimeout.toMillis() + " ms of the end; the connection was closed");
    } finally {
      watchdog.interrupt();
    }
    w.get(1, TimeUnit.SECONDS); // done by now (the loop waited for it); rethrows its failure
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Sample().metric(Units.MB_S, read / 1e6 / seconds).extra("echoed_bytes", read);
  }

  @Override
  public void close() throws Exception {
    try {
      channel.close();
    } finally {
      writer.close();
      server.close();
    }
  }
}
