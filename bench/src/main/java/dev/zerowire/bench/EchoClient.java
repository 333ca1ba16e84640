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

  private final EchoServer server;
  private final int payload;
  private final SocketChannel channel;
  private final Worker writer;

  EchoClient(EchoServer server, int payload) throws Exception {
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
    long drainDeadline = deadline + DRAIN_TIMEOUT.toNanos();
    while (!w.isDone() || read < written.get()) {
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
      if (System.nanoTime() > drainDeadline) {
        throw new IllegalStateException(impl() + ": only " + read + " of " + written.get() + " bytes came back");
      }
    }
    w.get(1, TimeUnit.SECONDS); // rethrows the writer's failure
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
