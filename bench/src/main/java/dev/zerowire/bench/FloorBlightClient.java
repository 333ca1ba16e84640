package dev.zerowire.bench;

import dev.zerowire.actors.SocketOptions;
import dev.zerowire.blight.BlightHeader;
import dev.zerowire.blight.BlightType;
import dev.zerowire.blight.BlightWire;
import dev.zerowire.blight.Repaint;
import dev.zerowire.blight.SurfaceInfo;
import dev.zerowire.nativeio.Epoll;
import dev.zerowire.nativeio.Kernel;
import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.NativeSocket;
import dev.zerowire.nativeio.SendVector;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * {@code floor-blight}: the blight floor, native-io only, one platform thread, no actors, with the
 * syscalls zerowire's blight client makes: header and payload of a message gathered into one
 * {@code sendmsg(MSG_DONTWAIT)}, up to half of zerowire's default gather-limit in messages per
 * call when streaming (two iovecs each: 512 by default, 24 KiB, under gather-bytes; a burst
 * of Sends flushed once), {@code recv} and {@code epoll_wait} for the Ack of a round trip. The best
 * a JNA program does here: {@code zerowire-blight / floor} is the actor tax (issue 10).
 */
final class FloorBlightClient implements BlightClientUnderTest {
  static final String IMPL = "floor-blight";
  private static final int BURST = SocketOptions.defaults().gatherLimit() / 2; // header and payload: two iovecs each

  private final Worker worker = new Worker("bench-floor-blight");
  private final NativeSocket socket;
  private final Epoll epoll;
  private final NativeBuffer headers = NativeBuffer.allocate(BlightHeader.SIZE * BURST);
  private final NativeBuffer payload = NativeBuffer.allocate(Repaint.SIZE);
  private final NativeBuffer info = NativeBuffer.allocate(BlightHeader.SIZE + 2);
  private final NativeBuffer ack = NativeBuffer.allocate(BlightHeader.SIZE + SurfaceInfo.SIZE);
  private final SendVector vector = new SendVector(2 * BURST);
  private int ackid;

  private FloorBlightClient(NativeSocket socket, Epoll epoll) {
    this.socket = socket;
    this.epoll = epoll;
  }

  static FloorBlightClient connect(SocketAddress server) throws Exception {
    NativeSocket s = NativeSocket.forAddress(server, Kernel.SOCK_STREAM);
    Epoll e = new Epoll(1);
    e.add(s.fd(), Kernel.EPOLLIN | Kernel.EPOLLOUT, 1); // level-triggered: a wait returns at once if ready
    if (!s.connect(server)) {
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!s.finishConnect()) {
        if (System.nanoTime() > deadline) {
          throw new IOException("floor could not connect to " + server);
        }
        e.waitFor(100);
      }
    }
    if (!s.isUnix()) {
      s.setTcpNoDelay(true); // as zerowire's blight client
    }
    return new FloorBlightClient(s, e);
  }

  @Override
  public long streamRepaints(Repaint repaint, long deadlineNanos) throws Exception {
    ByteBuffer p = payload.byteBuffer().order(BlightWire.ORDER);
    repaint.encode(p);
    return worker.call(() -> {
      ByteBuffer h = headers.byteBuffer().order(BlightWire.ORDER);
      long n = 0;
      while (System.nanoTime() < deadlineNanos) {
        for (int i = 0; i < BURST; i++) {
          h.putInt(i * BlightHeader.SIZE, BlightType.REPAINT.code()).putInt(i * BlightHeader.SIZE + 4, ++ackid)
              .putInt(i * BlightHeader.SIZE + 8, Repaint.SIZE);
        }
        long total = (long) BURST * (BlightHeader.SIZE + Repaint.SIZE);
        long done = 0;
        while (done < total) {
          vector.clear();
          long skip = done;
          for (int i = 0; i < BURST; i++) { // the unsent rest of the burst, header and payload by turns
            skip = addFrom(headers, i * BlightHeader.SIZE, BlightHeader.SIZE, skip);
            skip = addFrom(payload, 0, Repaint.SIZE, skip);
          }
          long w = socket.send(vector, false);
          if (w == NativeSocket.WOULD_BLOCK) {
            epoll.waitFor(100);
          } else {
            done += w;
          }
        }
        n += BURST;
      }
      return n;
    });
  }

  /** Adds {@code [off, off+len)} of {@code b} less the first {@code skip} bytes; returns the skip left. */
  private long addFrom(NativeBuffer b, int off, int len, long skip) {
    if (skip >= len) {
      return skip - len;
    }
    vector.add(b, off + (int) skip, len - (int) skip);
    return 0;
  }

  @Override
  public long infoRoundTrips(int id, long deadlineNanos, LongConsumer latencyNanos) throws Exception {
    return worker.call(() -> {
      ByteBuffer q = info.byteBuffer().order(BlightWire.ORDER);
      ByteBuffer a = ack.byteBuffer().order(BlightWire.ORDER);
      long n = 0;
      while (System.nanoTime() < deadlineNanos) {
        long t0 = System.nanoTime();
        int mine = ++ackid;
        q.putInt(0, BlightType.INFO.code()).putInt(4, mine).putInt(8, 2).putShort(12, (short) id);
        vector.clear();
        vector.add(info, 0, BlightHeader.SIZE + 2);
        while (socket.send(vector, false) == NativeSocket.WOULD_BLOCK) {
          epoll.waitFor(100);
        }
        int got = 0;
        while (got < ack.length()) {
          long r = socket.recv(ack, got, ack.length() - got);
          if (r == NativeSocket.WOULD_BLOCK) {
            epoll.waitFor(100);
          } else if (r == 0) {
            throw new EOFException("server closed during a round trip");
          } else {
            got += (int) r;
          }
        }
        latencyNanos.accept(System.nanoTime() - t0);
        if (a.getInt(0) != BlightType.ACK.code() || a.getInt(4) != mine || a.getInt(8) != SurfaceInfo.SIZE) {
          throw new IOException("unexpected reply " + new BlightHeader(a.getInt(0), a.getInt(4), a.getInt(8))
              + " to Info ackid " + Integer.toUnsignedString(mine));
        }
        n++;
      }
      return n;
    });
  }

  @Override
  public Optional<Thread> senderThread() {
    return Optional.of(worker.thread());
  }

  @Override
  public void close() {
    try {
      socket.close();
      epoll.close();
      vector.free();
      headers.release();
      payload.release();
      info.release();
      ack.release();
    } finally {
      worker.close();
    }
  }
}
