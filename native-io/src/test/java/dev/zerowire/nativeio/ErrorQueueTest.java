package dev.zerowire.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The error queue: real sockets for the empty and unsupported cases, synthetic control data for
 * {@link ErrorQueueReader#parse} (as folly's {@code makeZeroCopyCompletion}) for what loopback
 * cannot produce on demand: IPv6 completions, wraparound, ICMP errors, truncation.
 */
class ErrorQueueTest {
  private static final int MSGHDR = SendVector.MSGHDR_SIZE;
  private static final int CMSG_RECVERR_LEN = 16 + Kernel.SOCK_EXTENDED_ERR_SIZE; // CMSG_LEN(16)

  // ------------------------------------------------------------------------------ real sockets

  @ParameterizedTest(name = "{0}")
  @EnumSource(Transport.class)
  void emptyQueueDrainsNothing(Transport t) throws Exception {
    LoopbackCapability.assume(t);
    try (NativeSocket s = t.open()) {
      assertTrue(s.setZeroCopy(true).enabled());
      Completions c = new Completions();
      assertEquals(0, s.drainErrorQueue(c, 16));
      assertEquals(0, s.drainErrorQueue(c, 16), "again: the reader is reused");
      assertTrue(c.ranges.isEmpty() && c.others.isEmpty());
    }
  }

  /**
   * UDP with IP_RECVERR/IPV6_RECVERR to a closed port: the kernel queues the ICMP port
   * unreachable among the completions. Each goes to its own handler method, and a drain stops at
   * {@code max} messages and resumes where it stopped.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Transport.class, names = {"UDP4", "UDP6"})
  void realIcmpErrorsGoToOnOtherErrorAndCompletionsStayExact(Transport t) throws Exception {
    LoopbackCapability.assume(t);
    NativeBuffer b = Loopback.patterned(8 * 1024, 4);
    SendVector v = new SendVector(1);
    v.add(b, 0, b.length());
    InetSocketAddress target = Loopback.closedPort(t);
    try (NativeSocket s = t.open()) {
      boolean v6 = t.family == Kernel.AF_INET6;
      KernelConstantsTest.setInt(s, v6 ? Kernel.SOL_IPV6 : Kernel.SOL_IP, v6 ? Kernel.IPV6_RECVERR : Kernel.IP_RECVERR, 1);
      assertTrue(s.setZeroCopy(true).enabled());
      assertTrue(s.connect(target));
      int ok = 0;
      for (int i = 0; i < 6; i++) {
        try {
          assertEquals(b.length(), s.send(v, true));
          ok++;
        } catch (ConnectException refused) {
          // the pending ICMP error (sk_err) fails this send; it takes no id
        }
        Loopback.awaitEvent(s, Kernel.EPOLLERR);
        Thread.sleep(2);
      }
      Completions c = new Completions();
      assertEquals(1, s.drainErrorQueue(c, 1), "max 1 reads one message");
      c.drainUntil(s, ok);
      List<ExtendedError> icmp = c.others;
      c.assertRangesExactly(ok, t + ": " + ok + " sends ok among ICMP errors");
      assertFalse(icmp.isEmpty(), "no ICMP error was queued");
      int origin = v6 ? Kernel.SO_EE_ORIGIN_ICMP6 : Kernel.SO_EE_ORIGIN_ICMP;
      for (ExtendedError e : icmp) {
        assertEquals(origin, e.origin(), e.toString());
        assertEquals(Errno.ECONNREFUSED, e.errno(), e.toString());
        assertEquals(v6 ? Kernel.SOL_IPV6 : Kernel.SOL_IP, e.level(), e.toString());
        assertEquals(v6 ? Kernel.IPV6_RECVERR : Kernel.IP_RECVERR, e.type(), e.toString());
      }
      System.out.println(t + ": " + ok + " ok, completions " + c.ranges + ", " + icmp.size() + " x " + icmp.get(0));
    } finally {
      v.free();
      b.release();
    }
  }

  @ParameterizedTest(name = "unix type {0}")
  @ValueSource(ints = {Kernel.SOCK_STREAM, Kernel.SOCK_SEQPACKET})
  void unixSocketsRefuseToDrain(int type) throws Exception {
    NativeSocket[] pair = NativeSocket.socketpair(type);
    try {
      UnsupportedOperationException e =
          assertThrows(UnsupportedOperationException.class, () -> pair[0].drainErrorQueue(new Completions(), 1));
      assertTrue(e.getMessage().contains("AF_UNIX"), e.getMessage());
    } finally {
      pair[0].close();
      pair[1].close();
    }
  }

  @Test
  void drainOnAClosedSocketThrowsClosed() throws Exception {
    NativeSocket s = NativeSocket.udp4();
    s.close();
    SocketClosedException e = assertThrows(SocketClosedException.class, () -> s.drainErrorQueue(new Completions(), 1));
    assertTrue(e.getMessage().contains("recvmsg(MSG_ERRQUEUE)"), e.getMessage());
  }

  // ----------------------------------------------------------------------- synthetic control data

  @Test
  void ipRecverrZeroCopyIsACompletion() {
    Completions c = parse(0, cmsg(Kernel.SOL_IP, Kernel.IP_RECVERR, 0, Kernel.SO_EE_ORIGIN_ZEROCOPY,
        Kernel.SO_EE_CODE_ZEROCOPY_COPIED, 5, 9));
    assertEquals(List.of(new Completions.Range(5, 9, true)), c.ranges);
    assertTrue(c.others.isEmpty(), c.others.toString());
  }

  @Test
  void ipv6RecverrZeroCopyIsACompletionAndMayWrap() {
    Completions c = parse(0, cmsg(Kernel.SOL_IPV6, Kernel.IPV6_RECVERR, 0, Kernel.SO_EE_ORIGIN_ZEROCOPY, 0,
        0xFFFF_FFFE, 1));
    assertEquals(List.of(new Completions.Range(0xFFFF_FFFE, 1, false)), c.ranges, "not copied, wrapping");
    assertEquals(4, c.idsCovered());
    assertTrue(c.others.isEmpty());
  }

  @Test
  void copiedIsOnlyBitZeroOfTheCode() {
    Completions c = parse(0, cmsg(Kernel.SOL_IP, Kernel.IP_RECVERR, 0, Kernel.SO_EE_ORIGIN_ZEROCOPY, 0xfe, 1, 1));
    assertEquals(List.of(new Completions.Range(1, 1, false)), c.ranges);
  }

  @Test
  void icmpErrorIsAnOtherErrorNeverACompletion() {
    Completions c = parse(0, cmsg(Kernel.SOL_IP, Kernel.IP_RECVERR, Errno.ECONNREFUSED, Kernel.SO_EE_ORIGIN_ICMP,
        3, 0, 0)); // ICMP_DEST_UNREACH type 3, code 3 port unreachable
    assertTrue(c.ranges.isEmpty(), c.ranges.toString());
    assertEquals(1, c.others.size());
    ExtendedError e = c.others.get(0);
    assertEquals(Kernel.SO_EE_ORIGIN_ICMP, e.origin());
    assertEquals(Errno.ECONNREFUSED, e.errno());
    assertEquals(Kernel.SOL_IP, e.level());
    assertEquals(Kernel.IP_RECVERR, e.type());
    assertFalse(e.truncated());
    assertTrue(e.toString().contains("ECONNREFUSED"), e.toString());
  }

  @Test
  void icmp6ErrorIsAnOtherError() {
    Completions c = parse(0, cmsg(Kernel.SOL_IPV6, Kernel.IPV6_RECVERR, Errno.ECONNREFUSED,
        Kernel.SO_EE_ORIGIN_ICMP6, 4, 0, 0));
    assertTrue(c.ranges.isEmpty());
    assertEquals(Kernel.SO_EE_ORIGIN_ICMP6, c.others.get(0).origin());
  }

  @Test
  void zeroCopyOriginWithAnErrnoIsNotACompletion() {
    Completions c = parse(0, cmsg(Kernel.SOL_IP, Kernel.IP_RECVERR, Errno.ENOBUFS, Kernel.SO_EE_ORIGIN_ZEROCOPY,
        0, 0, 3));
    assertTrue(c.ranges.isEmpty(), c.ranges.toString());
    assertEquals(Errno.ENOBUFS, c.others.get(0).errno());
  }

  @Test
  void recverrTypeAtTheWrongLevelIsNotACompletion() {
    // IP_RECVERR's number (11) at SOL_IPV6 is IPV6_2292HOPLIMIT's, not a recverr.
    Completions c = parse(0, cmsg(Kernel.SOL_IPV6, Kernel.IP_RECVERR, 0, Kernel.SO_EE_ORIGIN_ZEROCOPY, 0, 0, 3));
    assertTrue(c.ranges.isEmpty(), c.ranges.toString());
    assertEquals(1, c.others.size());
    assertEquals(Kernel.SO_EE_ORIGIN_NONE, c.others.get(0).origin());
  }

  @Test
  void aTimestampBeforeTheRecverrIsSkipped() {
    byte[] ts = new byte[16 + 48]; // SOL_SOCKET/SCM_TIMESTAMPING(37): three timespecs
    ByteBuffer h = ByteBuffer.wrap(ts).order(ByteOrder.nativeOrder());
    h.putLong(0, ts.length).putInt(8, Kernel.SOL_SOCKET).putInt(12, 37);
    Completions c = parse(0, concat(ts, cmsg(Kernel.SOL_IP, Kernel.IP_RECVERR, 0, Kernel.SO_EE_ORIGIN_ZEROCOPY,
        0, 10, 20)));
    assertEquals(List.of(new Completions.Range(10, 20, false)), c.ranges);
    assertTrue(c.others.isEmpty());
  }

  @Test
  void ctruncWithoutACompleteCmsgIsOneTruncatedError() {
    byte[] full = cmsg(Kernel.SOL_IP, Kernel.IP_RECVERR, 0, Kernel.SO_EE_ORIGIN_ZEROCOPY, 0, 0, 7);
    for (int kept : new int[] {0, 8, 16, 20, CMSG_RECVERR_LEN - 1}) {
      byte[] cut = java.util.Arrays.copyOf(full, kept);
      Completions c = parse(Kernel.MSG_CTRUNC, cut);
      assertTrue(c.ranges.isEmpty(), kept + " bytes: " + c.ranges);
      assertEquals(1, c.others.size(), kept + " bytes: " + c.others);
      assertTrue(c.others.get(0).truncated(), kept + " bytes: " + c.others.get(0));
    }
  }

  @Test
  void ctruncAfterACompleteRecverrStillReportsIt() {
    byte[] full = cmsg(Kernel.SOL_IP, Kernel.IP_RECVERR, 0, Kernel.SO_EE_ORIGIN_ZEROCOPY, 1, 3, 4);
    byte[] partOfASecond = new byte[12];
    Completions c = parse(Kernel.MSG_CTRUNC, concat(full, partOfASecond));
    assertEquals(List.of(new Completions.Range(3, 4, true)), c.ranges);
    assertTrue(c.others.isEmpty(), c.others.toString());
  }

  @Test
  void aMessageWithNoControlDataIsAnOtherError() {
    Completions c = parse(0, new byte[0]);
    assertTrue(c.ranges.isEmpty());
    assertEquals(1, c.others.size());
    assertFalse(c.others.get(0).truncated());
  }

  @Test
  void aCmsgLengthPastTheEndIsNeverRead() {
    byte[] lying = cmsg(Kernel.SOL_IP, Kernel.IP_RECVERR, 0, Kernel.SO_EE_ORIGIN_ZEROCOPY, 0, 0, 7);
    ByteBuffer.wrap(lying).order(ByteOrder.nativeOrder()).putLong(0, 4096);
    Completions c = parse(Kernel.MSG_CTRUNC, lying);
    assertTrue(c.ranges.isEmpty(), c.ranges.toString());
    assertTrue(c.others.get(0).truncated());
  }

  /** One cmsg holding a {@code sock_extended_err}, as the kernel lays it out (cmsg(3)). */
  static byte[] cmsg(int level, int type, int errno, int origin, int code, int info, int data) {
    ByteBuffer b = ByteBuffer.allocate(CMSG_RECVERR_LEN).order(ByteOrder.nativeOrder());
    b.putLong(CMSG_RECVERR_LEN).putInt(level).putInt(type);
    b.putInt(errno).put((byte) origin).put((byte) 0).put((byte) code).put((byte) 0).putInt(info).putInt(data);
    return b.array();
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** Runs {@link ErrorQueueReader#parse} on a msghdr (56 bytes, unused by parse) + {@code control}. */
  static Completions parse(int msgFlags, byte[] control) {
    ByteBuffer b = ByteBuffer.allocate(MSGHDR + 256).order(ByteOrder.nativeOrder());
    b.put(MSGHDR, control);
    Completions c = new Completions();
    ErrorQueueReader.parse(b, control.length, msgFlags, c);
    return c;
  }
}
