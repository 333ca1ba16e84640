package dev.zerowire.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Which zero-copy calls take a send id (DESIGN.md, kernel facts): each call that writes bytes
 * takes exactly one, a partial write included; a call that would block or fails takes none, and
 * the next successful call continues the sequence. Ids are visible only through completions, so
 * every test ends with the same proof: the completions name exactly ids {@code 0..calls-1},
 * where {@code calls} counts the calls that wrote bytes.
 */
class SendIdAccountingTest {
  private static final int SMALL_BUFFER = 8 * 1024;
  private static final int GATHER = 16;
  private static final int PIECE = 64 * 1024;

  /**
   * Small send and receive buffers and a receiver that does not read yet: the first gather of
   * 1 MiB writes only part, and soon the calls would block. Then the receiver reads what was
   * sent, which completes exactly the ids of the calls that wrote bytes, and the rest goes out
   * call by call, continuing the sequence.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Transport.class, names = {"TCP4", "TCP6"})
  void partialWriteTakesOneIdAndWouldBlockTakesNone(Transport t) throws Exception {
    LoopbackCapability.assume(t);
    int total = GATHER * PIECE;
    NativeBuffer data = Loopback.patterned(total, 11);
    NativeBuffer got = NativeBuffer.allocate(total);
    SendVector v = new SendVector(GATHER);
    try (Loopback.Pair p = Loopback.tcp(t, s -> {
      s.setSendBufferSize(SMALL_BUFFER);
      s.setReceiveBufferSize(SMALL_BUFFER);
    })) {
      NativeSocket s = p.sender();
      assertTrue(s.setZeroCopy(true).enabled());
      for (int i = 0; i < GATHER; i++) {
        assertTrue(v.add(data, i * PIECE, PIECE));
      }
      long first = s.send(v, true);
      assertTrue(first > 0 && first < total,
          "the first call must be a partial write (0 < n < " + total + "), was " + first);
      // The receiver reads nothing: keep sending until the window is shut and the socket full
      // (three would-blocks in a row, 5 ms apart). Calls that still wrote bytes take ids.
      int calls = 1;
      int sent = (int) first;
      int wouldBlock = 0;
      for (int inARow = 0; inARow < 3; ) {
        v.clear();
        v.add(data, sent, total - sent);
        long n = s.send(v, true);
        if (n == NativeSocket.WOULD_BLOCK) {
          wouldBlock++;
          inARow++;
          Thread.sleep(5);
        } else {
          assertTrue(n > 0 && sent + n < total, "the window should shut before " + total + " bytes, sent " + (sent + n));
          calls++;
          sent += (int) n;
          inARow = 0;
        }
      }
      String before = t + ": partial write of " + first + " bytes, " + calls + " calls for " + sent
          + " bytes, then " + wouldBlock + " would-blocks";
      Loopback.recvFully(p.receiver(), got, 0, sent);
      Completions c = new Completions().drainUntil(s, calls);
      c.assertExactlyIds(calls, before);

      int received = sent;
      while (sent < total) {
        v.clear();
        v.add(data, sent, total - sent);
        long n = s.send(v, true);
        if (n == NativeSocket.WOULD_BLOCK) {
          int r = Loopback.recvAvailable(p.receiver(), got, received);
          if (r == 0) {
            Loopback.awaitEvent(p.receiver(), Kernel.EPOLLIN);
          }
          received += r;
          continue;
        }
        calls++;
        sent += (int) n;
      }
      Loopback.recvFully(p.receiver(), got, received, total - received);
      Loopback.assertPattern(got, 0, total, 0, 11);
      c.drainUntil(s, calls).assertExactlyIds(calls, t + ": " + calls + " calls for " + total + " bytes");
      System.out.println(before + "; in all " + calls + " calls: " + c.ranges);
    } finally {
      v.free();
      data.release();
      got.release();
    }
  }

  /**
   * A connected UDP socket whose peer port is closed: the ICMP port unreachable makes the next
   * send fail with ECONNREFUSED (the kernel had already taken an id for it and gives it back),
   * and the send after that succeeds again. Completions must name only the successful calls.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Transport.class, names = {"UDP4", "UDP6"})
  void failedSendTakesNoIdAndTheNextSuccessContinuesTheSequence(Transport t) throws Exception {
    LoopbackCapability.assume(t);
    NativeBuffer data = Loopback.patterned(16 * 1024, 3);
    SendVector v = new SendVector(1);
    v.add(data, 0, data.length());
    InetSocketAddress target = Loopback.closedPort(t);
    try (NativeSocket s = t.open()) {
      assertTrue(s.setZeroCopy(true).enabled());
      assertTrue(s.connect(target));
      int ok = 0;
      int refused = 0;
      boolean successAfterFailure = false;
      for (int i = 0; i < 12; i++) {
        try {
          assertEquals(data.length(), s.send(v, true));
          ok++;
          successAfterFailure |= refused > 0;
        } catch (ConnectException e) {
          assertTrue(e.getMessage().contains("ECONNREFUSED"), e.getMessage());
          refused++;
        }
        Loopback.awaitEvent(s, Kernel.EPOLLERR); // the ICMP error, or the completion, is there
        Thread.sleep(2);
      }
      assertTrue(refused > 0, "no send was refused: ICMP port unreachable never arrived");
      assertTrue(successAfterFailure, "no send succeeded after a refused one (ok=" + ok + ", refused=" + refused + ")");
      Completions c = new Completions().drainUntil(s, ok);
      c.assertExactlyIds(ok, t + ": " + ok + " sends ok, " + refused + " refused");
      System.out.println(t + ": ok=" + ok + " refused=" + refused + " " + c.ranges);
    } finally {
      v.free();
      data.release();
    }
  }

  /**
   * TCP after the peer reset (SO_LINGER 0 then close sends RST): sends fail with ECONNRESET or
   * EPIPE and take no id; the completions name exactly the sends made before.
   */
  @Test
  @Requires("tcp4")
  void sendsAfterPeerResetFailAndTakeNoId() throws Exception {
    NativeBuffer data = Loopback.patterned(64 * 1024, 5);
    NativeBuffer got = NativeBuffer.allocate(data.length());
    SendVector v = new SendVector(1);
    try (Loopback.Pair p = Loopback.tcp(Transport.TCP4)) {
      NativeSocket s = p.sender();
      assertTrue(s.setZeroCopy(true).enabled());
      int calls = 0;
      for (int i = 0; i < 3; i++) {
        calls += Loopback.sendFully(s, v, data, 0, data.length(), true);
        Loopback.recvFully(p.receiver(), got, 0, data.length());
      }
      Completions c = new Completions().drainUntil(s, calls);
      c.assertExactlyIds(calls, "before reset");

      p.receiver().setLinger(0);
      p.receiver().close(); // RST
      Loopback.awaitEvent(s, Kernel.EPOLLHUP | Kernel.EPOLLERR);
      for (int i = 0; i < 3; i++) {
        v.clear();
        v.add(data, 0, data.length());
        IOException e = assertThrows(IOException.class, () -> s.send(v, true), "send " + i + " after reset");
        NativeIoException nio = assertInstanceOf(NativeIoException.class, e);
        assertTrue(nio.isConnectionLost(), "connection lost: " + e.getMessage());
        assertTrue(nio.errno() == Errno.ECONNRESET || nio.errno() == Errno.EPIPE, e.getMessage());
        assertTrue(e.getMessage().startsWith("sendmsg"), e.getMessage());
        System.out.println("after reset: " + e.getMessage());
      }
      c.drainUntil(s, calls + 1, 200); // an id taken by a failed send would complete here
      c.assertExactlyIds(calls, "after " + calls + " sends, reset and 3 failed sends");
    } finally {
      v.free();
      data.release();
      got.release();
    }
  }
}
