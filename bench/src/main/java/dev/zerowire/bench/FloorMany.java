package dev.zerowire.bench;

import dev.zerowire.nativeio.Epoll;
import dev.zerowire.nativeio.Kernel;
import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.NativeSocket;
import dev.zerowire.nativeio.SendVector;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The many-connections floor, {@code floor-copy}: native-io only, one platform thread, no actors,
 * one level-triggered {@code epoll} (epoll(7)) over all N non-blocking TCP connections, and the
 * syscalls zerowire's adaptive sockets make on loopback (where they copy): each connection keeps
 * {@value ManyConnectionsScenario#IN_FLIGHT_PER_SOCKET} payloads of the scenario's one 64 KiB
 * buffer queued and writes what is left of them in one gathered {@code sendmsg(MSG_DONTWAIT)}
 * until EAGAIN. Same receiver, same payload bytes, same per-repetition open / stream / verify /
 * close as the zerowire rows, and CPU read the same way (process minus the receiver's threads).
 *
 * <p>What must stay true: a connection starts its next pair of payloads only once the last byte
 * of the previous pair was written, and after the deadline starts none, so only whole payloads
 * are counted; a repetition is good only when the receiver counted exactly the bytes written.
 */
final class FloorMany implements Contender {
  static final String IMPL = "floor-copy";
  private static final int WINDOW = ManyConnectionsScenario.IN_FLIGHT_PER_SOCKET * ManyConnectionsScenario.PAYLOAD;

  private final int connections;
  private final NativeBuffer payload;
  private final SelectorReceiver rx;
  private final Worker worker = new Worker("bench-floor-many");
  private final SendVector vector = new SendVector(ManyConnectionsScenario.IN_FLIGHT_PER_SOCKET + 1);

  FloorMany(int connections, NativeBuffer payload, SelectorReceiver rx) {
    this.connections = connections;
    this.payload = payload;
    this.rx = rx;
  }

  @Override
  public String impl() {
    return IMPL;
  }

  /** Bytes and whole payloads one run wrote. */
  record Totals(long bytes, long payloads) {}

  @Override
  public Sample measure(Duration d) throws Exception {
    System.gc(); // as the zerowire rows: garbage of earlier repetitions is not this one's
    long accepted0 = rx.accepted();
    long closed0 = rx.closed();
    List<NativeSocket> sockets = new ArrayList<>();
    try (Epoll epoll = new Epoll(Math.min(connections, 1024))) {
      open(sockets, epoll);
      SelectorReceiver.await(rx::accepted, accepted0 + connections, ManyConnectionsScenario.OPEN_TIMEOUT,
          "connections accepted");
      long bytes0 = rx.bytes();
      CpuMeter.Mark mark = CpuMeter.ofProcessMinus(rx.threads());
      long t0 = System.nanoTime();
      Totals t = worker.call(() -> stream(sockets, epoll, t0 + d.toNanos()));
      SelectorReceiver.await(rx::bytes, bytes0 + t.bytes(), StreamContender.DRAIN_TIMEOUT, "bytes at the receiver");
      long elapsed = System.nanoTime() - t0;
      CpuMeter.Reading cpu = mark.stop();
      if (rx.bytes() - bytes0 != t.bytes()) {
        throw new IllegalStateException("byte count mismatch: wrote " + t.bytes() + ", received " + (rx.bytes() - bytes0));
      }
      if (t.bytes() != t.payloads() * ManyConnectionsScenario.PAYLOAD) {
        throw new IllegalStateException("wrote " + t.bytes() + " bytes for " + t.payloads() + " whole payloads");
      }
      return new Sample().metric(Units.MB_S, t.bytes() / 1e6 / (elapsed / 1e9)).cpu(cpu, t.bytes(), t.payloads())
          .extra("payloads", t.payloads());
    } finally {
      sockets.forEach(NativeSocket::close); // copy sends only: nothing of ours is pinned by the kernel
      SelectorReceiver.await(rx::closed, closed0 + sockets.size(), ManyConnectionsScenario.OPEN_TIMEOUT,
          "connections closed at the receiver");
    }
  }

  /** Connects all N without blocking; each is registered for EPOLLOUT under its index. */
  private void open(List<NativeSocket> sockets, Epoll epoll) throws Exception {
    InetSocketAddress address = rx.address();
    boolean[] connected = new boolean[connections];
    int pending = 0;
    for (int i = 0; i < connections; i++) {
      NativeSocket s = NativeSocket.tcp4();
      sockets.add(s);
      epoll.add(s.fd(), Kernel.EPOLLOUT, i);
      connected[i] = s.connect(address);
      pending += connected[i] ? 0 : 1;
    }
    long deadline = System.nanoTime() + ManyConnectionsScenario.OPEN_TIMEOUT.toNanos();
    while (pending > 0) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(pending + " of " + connections + " connections still connecting");
      }
      int n = epoll.waitFor(100);
      for (int k = 0; k < n; k++) {
        int i = (int) epoll.token(k);
        if (!connected[i] && sockets.get(i).finishConnect()) { // throws the connect's error
          connected[i] = true;
          pending--;
        }
      }
    }
  }

  /** The worker's loop: writes every writable connection until EAGAIN, until the deadline. */
  private Totals stream(List<NativeSocket> sockets, Epoll epoll, long deadline) throws Exception {
    int[] offset = new int[connections]; // bytes of the current pair of payloads written
    boolean[] done = new boolean[connections];
    int active = connections;
    long bytes = 0;
    long payloads = 0;
    while (active > 0) {
      int n = epoll.waitFor(100);
      long now = System.nanoTime();
      for (int k = 0; k < n; k++) {
        int i = (int) epoll.token(k);
        if (done[i]) {
          continue;
        }
        NativeSocket s = sockets.get(i);
        while (true) {
          if (offset[i] == 0 && now >= deadline) {
            done[i] = true;
            active--;
            epoll.modify(s.fd(), 0, i); // nothing more to write: stop waking for it
            break;
          }
          vector.clear();
          int at = offset[i];
          while (at < WINDOW) { // the rest of the pair, one iovec per payload part
            int inPayload = at % ManyConnectionsScenario.PAYLOAD;
            vector.add(payload, inPayload, ManyConnectionsScenario.PAYLOAD - inPayload);
            at += ManyConnectionsScenario.PAYLOAD - inPayload;
          }
          long w = s.send(vector, false);
          if (w == NativeSocket.WOULD_BLOCK) {
            break;
          }
          bytes += w;
          offset[i] += (int) w;
          if (offset[i] == WINDOW) {
            offset[i] = 0;
            payloads += ManyConnectionsScenario.IN_FLIGHT_PER_SOCKET;
            now = System.nanoTime();
          }
        }
      }
    }
    return new Totals(bytes, payloads);
  }

  @Override
  public void close() {
    vector.free();
    worker.close();
  }
}
