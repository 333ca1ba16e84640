package dev.zerowire.bench;

import dev.zerowire.blight.BlightHeader;
import dev.zerowire.blight.BlightType;
import dev.zerowire.blight.BlightWire;
import dev.zerowire.blight.Repaint;
import dev.zerowire.blight.SurfaceInfo;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * {@code naive-two-writes}: what libblight does, in Java: per message one blocking write of the
 * 12-byte header and a second of the payload ({@code send(fd, &header, ...)} then {@code send(fd,
 * data, ...)}), on one thread, with an incrementing ackid. Round trips then block reading the
 * 44-byte Ack. Direct buffers, so the JDK adds no copy of its own.
 */
final class NaiveTwoWritesClient implements BlightClientUnderTest {
  static final String IMPL = "naive-two-writes";

  private final Worker worker = new Worker("bench-naive-two-writes");
  private final SocketChannel channel;
  private final ByteBuffer header = ByteBuffer.allocateDirect(BlightHeader.SIZE).order(BlightWire.ORDER);
  private final ByteBuffer payload = ByteBuffer.allocateDirect(Repaint.SIZE).order(BlightWire.ORDER);
  private final ByteBuffer surfaceId = ByteBuffer.allocateDirect(2).order(BlightWire.ORDER);
  private final ByteBuffer ack = ByteBuffer.allocateDirect(BlightHeader.SIZE + SurfaceInfo.SIZE).order(BlightWire.ORDER);
  private int ackid;

  private NaiveTwoWritesClient(SocketChannel channel) {
    this.channel = channel;
  }

  static NaiveTwoWritesClient connect(BlightTransport transport, SocketAddress server) throws IOException {
    return new NaiveTwoWritesClient(transport.connect(server));
  }

  @Override
  public long streamRepaints(Repaint repaint, long deadlineNanos) throws Exception {
    payload.clear();
    repaint.encode(payload);
    return worker.call(() -> {
      long n = 0;
      while (true) {
        if ((n & 15) == 0 && System.nanoTime() >= deadlineNanos) {
          return n;
        }
        header.clear();
        header.putInt(0, BlightType.REPAINT.code()).putInt(4, ++ackid).putInt(8, Repaint.SIZE);
        writeFully(header);
        payload.clear();
        writeFully(payload);
        n++;
      }
    });
  }

  @Override
  public long infoRoundTrips(int id, long deadlineNanos, LongConsumer latencyNanos) throws Exception {
    return worker.call(() -> {
      long n = 0;
      while (System.nanoTime() < deadlineNanos) {
        long t0 = System.nanoTime();
        int mine = ++ackid;
        header.clear();
        header.putInt(0, BlightType.INFO.code()).putInt(4, mine).putInt(8, 2);
        writeFully(header);
        surfaceId.clear();
        surfaceId.putShort(0, (short) id);
        writeFully(surfaceId);
        ack.clear();
        while (ack.hasRemaining()) {
          if (channel.read(ack) < 0) {
            throw new EOFException("server closed during a round trip");
          }
        }
        latencyNanos.accept(System.nanoTime() - t0);
        if (ack.getInt(0) != BlightType.ACK.code() || ack.getInt(4) != mine || ack.getInt(8) != SurfaceInfo.SIZE) {
          throw new IOException("unexpected reply " + new BlightHeader(ack.getInt(0), ack.getInt(4), ack.getInt(8))
              + " to Info ackid " + Integer.toUnsignedString(mine));
        }
        n++;
      }
      return n;
    });
  }

  private void writeFully(ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      channel.write(b);
    }
  }

  @Override
  public Optional<Thread> senderThread() {
    return Optional.of(worker.thread());
  }

  @Override
  public void close() throws IOException {
    try {
      channel.close();
    } finally {
      worker.close();
    }
  }
}
