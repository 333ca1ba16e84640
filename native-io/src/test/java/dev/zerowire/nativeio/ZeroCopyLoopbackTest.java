package dev.zerowire.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real loopback TCP and UDP, v4 and v6: zero-copy sends, their completions, and the bytes on the
 * other side. One suite, run per transport (STYLE.md 11).
 */
class ZeroCopyLoopbackTest {
  private static final int N = 16;
  private static final int SIZE = 64 * 1024;
  private static final int DATAGRAM = 16 * 1024;

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Transport.class, names = {"TCP4", "TCP6"})
  void tcpCompletionsCoverExactlyTheIdsSentAndEveryByteArrives(Transport t) throws Exception {
    LoopbackCapability.assume(t);
    NativeBuffer buf = Loopback.patterned(N * SIZE, t.ordinal());
    NativeBuffer got = NativeBuffer.allocate(N * SIZE);
    SendVector v = new SendVector(4);
    try (Loopback.Pair p = Loopback.tcp(t)) {
      assertTrue(p.sender().setZeroCopy(true).enabled());
      assertTrue(p.sender().zeroCopy(), "SO_ZEROCOPY reads back as set");
      int calls = 0;
      int received = 0;
      // One thread: send 64 KiB at a time; whenever the send would block, read what has arrived.
      for (int i = 0; i < N; i++) {
        int off = i * SIZE;
        int left = SIZE;
        while (left > 0) {
          v.clear();
          v.add(buf, off, left);
          long n = p.sender().send(v, true);
          if (n == NativeSocket.WOULD_BLOCK) {
            int r = Loopback.recvAvailable(p.receiver(), got, received);
            if (r == 0) {
              Loopback.awaitEvent(p.receiver(), Kernel.EPOLLIN);
            }
            received += r;
            continue;
          }
          assertTrue(n > 0, "sent " + n);
          calls++;
          off += (int) n;
          left -= (int) n;
        }
      }
      Loopback.recvFully(p.receiver(), got, received, N * SIZE - received);
      Loopback.assertPattern(got, 0, N * SIZE, 0, t.ordinal());

      Completions c = new Completions().drainUntil(p.sender(), calls);
      c.assertExactlyIds(calls, t + ", " + N + " sends of " + SIZE + " bytes");
      assertTrue(calls >= N, "at least one call per send, was " + calls);
      assertTrue(c.allCopied(), "loopback delivers locally, so the kernel copies: " + c.ranges);
      System.out.println(t + ": calls=" + calls + " completions=" + c.ranges);
    } finally {
      v.free();
      buf.release();
      got.release();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Transport.class, names = {"UDP4", "UDP6"})
  void udpConnectedDatagramsProduceCompletions(Transport t) throws Exception {
    LoopbackCapability.assume(t);
    NativeBuffer buf = Loopback.patterned(N * DATAGRAM, t.ordinal());
    NativeBuffer got = NativeBuffer.allocate(DATAGRAM + 1);
    SendVector v = new SendVector(1);
    try (Loopback.Pair p = Loopback.udp(t)) {
      assertTrue(p.sender().setZeroCopy(true).enabled());
      for (int i = 0; i < N; i++) {
        v.clear();
        v.add(buf, i * DATAGRAM, DATAGRAM);
        assertEquals(DATAGRAM, p.sender().send(v, true), "datagram " + i + " leaves whole");
        Loopback.awaitEvent(p.receiver(), Kernel.EPOLLIN);
        assertEquals(DATAGRAM, p.receiver().recv(got, 0, got.length()), "datagram " + i + " arrives whole");
        Loopback.assertPattern(got, 0, DATAGRAM, i * DATAGRAM, t.ordinal());
      }
      Completions c = new Completions().drainUntil(p.sender(), N);
      c.assertExactlyIds(N, t + ", " + N + " datagrams of " + DATAGRAM + " bytes");
      assertTrue(c.allCopied(), "loopback delivers locally, so the kernel copies: " + c.ranges);
      System.out.println(t + ": completions=" + c.ranges);
    } finally {
      v.free();
      buf.release();
      got.release();
    }
  }
}
