package dev.zerowire.bench;

import dev.zerowire.actors.SocketOptions;
import dev.zerowire.nativeio.Epoll;
import dev.zerowire.nativeio.Kernel;
import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.NativeSocket;
import dev.zerowire.nativeio.SendVector;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code floor-copy}: native-io only, one platform thread, no actors, and the syscalls
 * zerowire's copy path makes on loopback: TCP_NODELAY as the scenario's zerowire socket, gathered
 * {@code sendmsg(MSG_DONTWAIT)} of up to {@code gather-limit} (1024) iovecs and {@code
 * gather-bytes} (1 MiB, the last iovec cut there), {@code epoll_wait} on EAGAIN. The best a JNA
 * program can do here, so {@code zerowire-adaptive / floor-copy} is what the actor path costs
 * (issue 10's "tax").
 */
final class FloorStream extends StreamContender {
  private static final int GATHER = SocketOptions.defaults().gatherLimit();
  private static final long GATHER_BYTES = SocketOptions.defaults().gatherBytes();
  private final Worker worker = new Worker("bench-floor");
  private final int window;
  private NativeSocket socket;
  private NativeBuffer buffer;
  private SendVector vector;
  private Epoll epoll;

  FloorStream(int payload, int window, StreamReceiver receiver) {
    super("floor-copy", payload, receiver);
    this.window = window;
  }

  @Override
  protected void connect(InetSocketAddress address) throws Exception {
    socket = NativeSocket.tcp4();
    epoll = new Epoll(1);
    epoll.add(socket.fd(), Kernel.EPOLLOUT, 1); // level-triggered: wait only while the buffer is full
    if (!socket.connect(address)) {
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!socket.finishConnect()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("floor-copy could not connect to " + address);
        }
        epoll.waitFor(100);
      }
    }
    socket.setTcpNoDelay(true);
    buffer = NativeBuffer.allocate(payload);
    for (int i = 0; i < payload; i++) {
      buffer.byteBuffer().put(i, patternByte(i));
    }
    vector = new SendVector(GATHER);
  }

  @Override
  protected Totals sendFor(Duration d) throws Exception {
    int batch = Math.max(1, Math.min(GATHER, window / payload)); // payloads a burst of Sends would gather
    return worker.call(() -> {
      long deadline = System.nanoTime() + d.toNanos();
      long messages = 0;
      long batchBytes = (long) batch * payload;
      while (System.nanoTime() < deadline) {
        long done = 0;
        while (done < batchBytes) {
          vector.clear();
          int first = (int) (done % payload);
          long added = Math.min(payload - first, GATHER_BYTES);
          vector.add(buffer, first, (int) added);
          while (done + added < batchBytes && added < GATHER_BYTES && vector.count() < GATHER) {
            int n = (int) Math.min(payload, GATHER_BYTES - added);
            vector.add(buffer, 0, n);
            added += n;
          }
          long n = socket.send(vector, false);
          if (n == NativeSocket.WOULD_BLOCK) {
            epoll.waitFor(100);
          } else {
            done += n;
          }
        }
        messages += batch;
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
      if (socket != null) {
        socket.close();
      }
      if (epoll != null) {
        epoll.close();
      }
      if (vector != null) {
        vector.free();
      }
      if (buffer != null) {
        buffer.release();
      }
    } finally {
      worker.close();
      super.close();
    }
  }
}
