package dev.zerowire.bench;

import dev.zerowire.nativeio.Epoll;
import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.NativeSocket;
import dev.zerowire.nativeio.SendVector;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The true-zerocopy floors, {@code floor-zerocopy} and {@code floor-copy}: native-io only, one
 * platform thread, no actors, the syscalls zerowire's UDP socket makes. Each of {@value
 * TrueZeroCopyScenario#SLOTS} buffers of {@value TrueZeroCopyScenario#DATAGRAM} bytes (the
 * zerowire rows' window) goes out as one datagram in one {@code sendmsg(MSG_DONTWAIT [|
 * MSG_ZEROCOPY])}; ENOBUFS on a zero-copy send sends the same bytes copied, as zerowire does.
 *
 * <p>Zero copy: SO_ZEROCOPY is set as zerowire sets it (setsockopt, nothing else), and a buffer is
 * reused only after the socket's error queue, read inline on this thread with {@code
 * recvmsg(MSG_ERRQUEUE)} through the reader zerowire's reaper uses, said the kernel is done with
 * it ({@link ZeroCopySlots}). The queue is read when no buffer is free, and {@code epoll_wait}
 * (EPOLLERR, which epoll always reports: epoll_ctl(2)) sleeps only while it is empty. A repetition
 * ends once every buffer is known free again; every zero-copy id must have completed by then.
 *
 * <p>CPU is read as for the zerowire rows: the whole process ({@link CpuMeter#ofProcess()}).
 */
final class FloorUdp implements Contender {
  private static final int MAX_PER_DRAIN = 256; // zerowire.reaper.max-per-drain
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);

  private final boolean zeroCopy;
  private final NetNs ns;
  private final Worker worker = new Worker("bench-floor-udp");
  private final List<NativeBuffer> buffers = new ArrayList<>();
  private final ZeroCopySlots slots = new ZeroCopySlots(TrueZeroCopyScenario.SLOTS);
  private final SendVector vector = new SendVector(1);
  private NativeSocket socket;
  private Epoll epoll;

  FloorUdp(boolean zeroCopy, NetNs ns) {
    this.zeroCopy = zeroCopy;
    this.ns = ns;
  }

  @Override
  public String impl() {
    return zeroCopy ? "floor-zerocopy" : "floor-copy";
  }

  void open() throws Exception {
    socket = ns.udpSocket(new InetSocketAddress(NetNs.LOCAL, 0), new InetSocketAddress(NetNs.REMOTE, 9));
    if (zeroCopy && !socket.setZeroCopy(true).enabled()) {
      throw new IllegalStateException("SO_ZEROCOPY refused on " + socket);
    }
    epoll = new Epoll(1);
    epoll.add(socket.fd(), 0, 1); // no interest until EAGAIN: EPOLLERR (the error queue) is always reported
    for (int i = 0; i < TrueZeroCopyScenario.SLOTS; i++) {
      NativeBuffer b = NativeBuffer.allocate(TrueZeroCopyScenario.DATAGRAM);
      java.nio.ByteBuffer view = b.byteBuffer();
      for (int k = 0; k < TrueZeroCopyScenario.DATAGRAM; k++) {
        view.put(k, StreamContender.patternByte(k));
      }
      buffers.add(b);
    }
  }

  /** What one run sent: datagrams, bytes, sendmsg calls, zero-copy calls, ENOBUFS fallbacks. */
  record Totals(long datagrams, long bytes, long calls, long zeroCopyCalls, long enobufs) {}

  /** Sends for {@code d} on the worker thread, then waits until every buffer is free again. */
  Totals sendFor(Duration d) throws Exception {
    return worker.call(() -> {
      long deadline = System.nanoTime() + d.toNanos();
      long datagrams = 0;
      long calls = 0;
      long zcCalls = 0;
      long enobufs = 0;
      while (System.nanoTime() < deadline) {
        int slot = slots.take();
        if (slot < 0) {
          awaitCompletions();
          continue;
        }
        vector.clear();
        vector.add(buffers.get(slot), 0, TrueZeroCopyScenario.DATAGRAM);
        boolean zc = zeroCopy;
        long n = socket.send(vector, zc);
        if (n == NativeSocket.NO_BUFFERS) { // optmem_max or RLIMIT_MEMLOCK: the same bytes, copied
          enobufs++;
          zc = false;
          n = socket.send(vector, false);
        }
        if (n == NativeSocket.WOULD_BLOCK) {
          slots.giveBack(slot);
          awaitWritable();
          continue;
        }
        if (n != TrueZeroCopyScenario.DATAGRAM) { // udp(7): a datagram goes whole or not at all
          throw new IllegalStateException(impl() + ": sendmsg wrote " + n + " of " + TrueZeroCopyScenario.DATAGRAM + " bytes");
        }
        calls++;
        datagrams++;
        if (zc) {
          zcCalls++;
          slots.sentZeroCopy(slot);
        } else {
          slots.giveBack(slot);
        }
      }
      long drainDeadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
      while (slots.inFlight() > 0) {
        if (System.nanoTime() > drainDeadline) {
          throw new IllegalStateException(impl() + ": " + slots.inFlight() + " zero-copy sends never completed");
        }
        awaitCompletions();
      }
      if (slots.completedIds() != slots.sentIds()) {
        throw new IllegalStateException(impl() + ": " + slots.sentIds() + " zero-copy ids sent, "
            + slots.completedIds() + " completed");
      }
      return new Totals(datagrams, datagrams * TrueZeroCopyScenario.DATAGRAM, calls, zcCalls, enobufs);
    });
  }

  /** Reads the error queue; sleeps in epoll_wait only while it is empty. */
  private void awaitCompletions() throws Exception {
    if (socket.drainErrorQueue(slots, MAX_PER_DRAIN) == 0) {
      epoll.waitFor(100);
    }
  }

  /** The send buffer is full (EAGAIN): wait for room, then stop listening for it again. */
  private void awaitWritable() throws Exception {
    epoll.modify(socket.fd(), dev.zerowire.nativeio.Kernel.EPOLLOUT, 1);
    epoll.waitFor(100);
    epoll.modify(socket.fd(), 0, 1);
    socket.drainErrorQueue(slots, MAX_PER_DRAIN);
  }

  @Override
  public Sample measure(Duration d) throws Exception {
    long copied0 = slots.copiedIds();
    long others0 = slots.otherErrors();
    long packets0 = ns.devicePackets();
    long switches0 = ContextSwitches.total();
    CpuMeter.Mark mark = CpuMeter.ofProcess();
    long t0 = System.nanoTime();
    Totals t = sendFor(d);
    long elapsed = System.nanoTime() - t0;
    CpuMeter.Reading cpu = mark.stop();
    long switches = ContextSwitches.total() - switches0;
    long packets = ns.devicePackets() - packets0;
    Sample s = new Sample().metric(Units.MB_S, t.bytes() / 1e6 / (elapsed / 1e9)).cpu(cpu, t.bytes(), t.datagrams());
    if (zeroCopy) {
      s.metric(Units.COPIED_PERCENT, t.zeroCopyCalls() == 0 ? Double.NaN
          : 100.0 * (slots.copiedIds() - copied0) / t.zeroCopyCalls());
      s.extra("zc_call_share", t.zeroCopyCalls() / (double) Math.max(1, t.calls()));
      s.extra("other_errors", slots.otherErrors() - others0);
    }
    s.extra("enobufs_fallbacks", t.enobufs());
    s.extra("reached_device_share", t.datagrams() == 0 ? Double.NaN : packets / (double) t.datagrams());
    s.extra("ctx_switches_per_msg", switches0 < 0 || t.datagrams() == 0 ? Double.NaN : switches / (double) t.datagrams());
    return s;
  }

  @Override
  public void close() {
    try {
      if (socket != null) {
        socket.close(); // every zero-copy send completed at the end of each run, or the run threw
      }
      if (epoll != null) {
        epoll.close();
      }
      vector.free();
      if (slots.inFlight() == 0) {
        buffers.forEach(NativeBuffer::release);
      } // else the kernel may still read them: leak rather than free
    } finally {
      worker.close();
    }
  }
}
