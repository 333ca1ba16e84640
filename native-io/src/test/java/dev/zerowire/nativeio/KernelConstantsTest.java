package dev.zerowire.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The constants of {@link Kernel} and {@link Errno} round-tripped against the running kernel
 * (STYLE.md 7): a wrong number shows up as an option that does not read back, or as the
 * kernel's own strerror text for another error.
 */
class KernelConstantsTest {

  @ParameterizedTest(name = "{0}")
  @EnumSource(Transport.class)
  void soZeroCopyReadsBackOnInetSockets(Transport t) throws IOException {
    LoopbackCapability.assume(t);
    try (NativeSocket s = t.open()) {
      assertEquals(t.kind(), s.kind());
      assertFalse(s.zeroCopy(), "SO_ZEROCOPY is off on a new socket");
      assertEquals(ZeroCopySupport.ENABLED, s.setZeroCopy(true));
      assertTrue(s.zeroCopy(), "SO_ZEROCOPY reads back as 1");
      assertTrue(s.isZeroCopyEnabled());
      assertEquals(ZeroCopySupport.ENABLED, s.setZeroCopy(false));
      assertFalse(s.zeroCopy(), "SO_ZEROCOPY reads back as 0");
    }
  }

  @ParameterizedTest(name = "unix type {0}")
  @ValueSource(ints = {Kernel.SOCK_STREAM, Kernel.SOCK_SEQPACKET})
  void unixSocketsReportNoZeroCopyAsAValue(int type) throws IOException {
    try (NativeSocket s = NativeSocket.open(Kernel.AF_UNIX, type)) {
      ZeroCopySupport z = s.setZeroCopy(true); // must not throw
      assertFalse(z.enabled(), s.kind() + ": " + z);
      assertEquals(Errno.EOPNOTSUPP, z.errno(), s.kind() + " answers " + z);
      assertEquals("EOPNOTSUPP", z.toString());
      assertFalse(s.isZeroCopyEnabled());
      assertFalse(s.zeroCopy());
      // The raw option as the kernel reads it back: never set.
      assertEquals(0, getInt(s, Kernel.SOL_SOCKET, Kernel.SO_ZEROCOPY));
    }
  }

  @Test
  void socketIdentityReadsBack() throws IOException {
    try (NativeSocket tcp = NativeSocket.tcp4(); NativeSocket udp = NativeSocket.udp4();
        NativeSocket seq = NativeSocket.unixSeqpacket()) {
      assertEquals(Kernel.AF_INET, getInt(tcp, Kernel.SOL_SOCKET, Kernel.SO_DOMAIN));
      assertEquals(Kernel.SOCK_STREAM, getInt(tcp, Kernel.SOL_SOCKET, Kernel.SO_TYPE));
      assertEquals(Kernel.SOCK_DGRAM, getInt(udp, Kernel.SOL_SOCKET, Kernel.SO_TYPE));
      assertEquals(Kernel.AF_UNIX, getInt(seq, Kernel.SOL_SOCKET, Kernel.SO_DOMAIN));
      assertEquals(Kernel.SOCK_SEQPACKET, getInt(seq, Kernel.SOL_SOCKET, Kernel.SO_TYPE));
      int flags = LibC.fcntl(tcp.fd(), Kernel.F_GETFL, 0);
      assertTrue((flags & Kernel.O_NONBLOCK) != 0, "SOCK_NONBLOCK shows as O_NONBLOCK, flags " + Integer.toHexString(flags));
    }
  }

  @Test
  @Requires("tcp6")
  void ipv6OnlyReadsBack() throws IOException {
    try (NativeSocket s = NativeSocket.tcp6()) {
      setInt(s, Kernel.IPPROTO_IPV6, Kernel.IPV6_V6ONLY, 1);
      assertEquals(1, getInt(s, Kernel.IPPROTO_IPV6, Kernel.IPV6_V6ONLY));
      setInt(s, Kernel.IPPROTO_IPV6, Kernel.IPV6_V6ONLY, 0);
      assertEquals(0, getInt(s, Kernel.IPPROTO_IPV6, Kernel.IPV6_V6ONLY));
    }
  }

  /** socket(7): "The kernel doubles this value (to allow space for bookkeeping overhead)". */
  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Transport.class, names = {"TCP4", "UDP4"})
  void bufferSizesComeBackDoubled(Transport t) throws IOException {
    try (NativeSocket s = t.open()) {
      for (int size : new int[] {16 * 1024, 96 * 1024}) {
        s.setSendBufferSize(size);
        assertEquals(2 * size, s.sendBufferSize(), "SO_SNDBUF " + size);
        s.setReceiveBufferSize(size);
        assertEquals(2 * size, s.receiveBufferSize(), "SO_RCVBUF " + size);
      }
    }
  }

  @Test
  void tcpNoDelayRoundTrips() throws IOException {
    try (NativeSocket s = NativeSocket.tcp4()) {
      assertFalse(s.tcpNoDelay(), "Nagle is on by default");
      s.setTcpNoDelay(true);
      assertTrue(s.tcpNoDelay());
      s.setTcpNoDelay(false);
      assertFalse(s.tcpNoDelay());
    }
  }

  @Test
  void lingerRoundTrips() throws IOException {
    try (NativeSocket s = NativeSocket.tcp4()) {
      assertEquals(-1, s.linger(), "off by default");
      s.setLinger(7);
      assertEquals(7, s.linger());
      s.setLinger(0);
      assertEquals(0, s.linger(), "on with 0 s: close sends RST");
      s.setLinger(-1);
      assertEquals(-1, s.linger());
    }
  }

  @Test
  void reuseAddressRoundTrips() throws IOException {
    try (NativeSocket s = NativeSocket.tcp4()) {
      assertEquals(0, getInt(s, Kernel.SOL_SOCKET, Kernel.SO_REUSEADDR));
      s.setReuseAddress(true);
      assertEquals(1, getInt(s, Kernel.SOL_SOCKET, Kernel.SO_REUSEADDR));
      s.setReuseAddress(false);
      assertEquals(0, getInt(s, Kernel.SOL_SOCKET, Kernel.SO_REUSEADDR));
    }
  }

  /** Each errno number against glibc's own text for it. */
  @Test
  void errnoNumbersMatchTheKernelsText() {
    assertEquals("Operation not supported", Errors.strerror(Errno.EOPNOTSUPP));
    assertEquals("Resource temporarily unavailable", Errors.strerror(Errno.EAGAIN));
    assertEquals("No buffer space available", Errors.strerror(Errno.ENOBUFS));
    assertEquals("Connection refused", Errors.strerror(Errno.ECONNREFUSED));
    assertEquals("Connection reset by peer", Errors.strerror(Errno.ECONNRESET));
    assertEquals("Broken pipe", Errors.strerror(Errno.EPIPE));
    assertEquals("Bad file descriptor", Errors.strerror(Errno.EBADF));
    assertEquals("Address already in use", Errors.strerror(Errno.EADDRINUSE));
    assertEquals("Operation now in progress", Errors.strerror(Errno.EINPROGRESS));
    assertEquals("Protocol not available", Errors.strerror(Errno.ENOPROTOOPT));
    assertEquals("Message too long", Errors.strerror(Errno.EMSGSIZE));
    assertEquals("Socket operation on non-socket", Errors.strerror(Errno.ENOTSOCK));
  }

  /** MSG_ZEROCOPY is only honoured with SO_ZEROCOPY: without it the flag is silently ignored. */
  @Test
  @Requires("udp4")
  void msgZeroCopyWithoutTheSocketOptionIsIgnored() throws Exception {
    NativeBuffer b = Loopback.patterned(4096, 1);
    SendVector v = new SendVector(1);
    v.add(b, 0, b.length());
    try (Loopback.Pair p = Loopback.udp(Transport.UDP4)) {
      assertEquals(4096, p.sender().send(v, true));
      Loopback.awaitEvent(p.receiver(), Kernel.EPOLLIN);
      Completions c = new Completions().drainUntil(p.sender(), 1, 100);
      c.assertExactlyIds(0, "MSG_ZEROCOPY without SO_ZEROCOPY");
    } finally {
      v.free();
      b.release();
    }
  }

  static int getInt(NativeSocket s, int level, int name) {
    int[] value = new int[1];
    int[] len = {4};
    int rc = LibC.getsockopt(s.fd(), level, name, value, len);
    assertEquals(0, rc, () -> "getsockopt(" + level + ", " + name + "): " + Errors.describe("getsockopt", Errors.errno()));
    assertEquals(4, len[0]);
    return value[0];
  }

  static void setInt(NativeSocket s, int level, int name, int value) {
    int rc = LibC.setsockopt(s.fd(), level, name, new int[] {value}, 4);
    assertEquals(0, rc, () -> "setsockopt(" + level + ", " + name + "): " + Errors.describe("setsockopt", Errors.errno()));
  }
}
