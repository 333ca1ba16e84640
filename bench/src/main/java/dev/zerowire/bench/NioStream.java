package dev.zerowire.bench;

import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Optional;

/** {@code java-nio}: a blocking {@link SocketChannel} write loop of one direct buffer, on one thread. */
final class NioStream extends StreamContender {
  private final Worker worker = new Worker("bench-java-nio");
  private SocketChannel channel;
  private ByteBuffer buffer;

  NioStream(int payload, StreamReceiver receiver) {
    super("java-nio", payload, receiver);
  }

  @Override
  protected void connect(InetSocketAddress address) throws Exception {
    channel = SocketChannel.open(address);
    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
    buffer = ByteBuffer.allocateDirect(payload);
    for (int i = 0; i < payload; i++) {
      buffer.put(i, patternByte(i));
    }
  }

  @Override
  protected Totals sendFor(Duration d) throws Exception {
    return worker.call(() -> {
      long deadline = System.nanoTime() + d.toNanos();
      long messages = 0;
      while (System.nanoTime() < deadline) {
        buffer.clear();
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        messages++;
      }
      return new Totals(messages * payload, messages);
    });
  }

  @Override
  protected Optional<Thread> senderThread() {
    return Optional.of(worker.thread());
  }

  @Override
  public void close() throws Exception {
    try {
      if (channel != null) {
        channel.close();
      }
    } finally {
      worker.close();
      super.close();
    }
  }
}
