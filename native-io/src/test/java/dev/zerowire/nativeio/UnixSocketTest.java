package dev.zerowire.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** AF_UNIX: blight's own transport, where zero copy is refused and the copy path carries all. */
class UnixSocketTest {

  @ParameterizedTest(name = "unix type {0}")
  @ValueSource(ints = {Kernel.SOCK_STREAM, Kernel.SOCK_SEQPACKET})
  void socketpairRoundTripBothWays(int type) throws Exception {
    NativeSocket[] pair = NativeSocket.socketpair(type);
    NativeBuffer out = Loopback.patterned(3000, 21);
    NativeBuffer in = NativeBuffer.allocate(4096);
    SendVector v = new SendVector(2);
    try (NativeSocket a = pair[0]; NativeSocket b = pair[1]) {
      assertEquals(Kernel.AF_UNIX, a.family());
      assertEquals(type, b.type());
      for (NativeSocket[] dir : new NativeSocket[][] {{a, b}, {b, a}}) {
        assertEquals(NativeSocket.WOULD_BLOCK, dir[1].recv(in, 0, 4096), "nothing sent yet");
        v.clear();
        v.add(out, 0, 1000);
        v.add(out, 1000, 2000);
        assertEquals(3000, dir[0].send(v, false));
        Loopback.recvFully(dir[1], in, 0, 3000);
        Loopback.assertPattern(in, 0, 3000, 0, 21);
      }
    } finally {
      v.free();
      out.release();
      in.release();
    }
  }

  /** SOCK_SEQPACKET keeps message boundaries: two sends are two reads of their own sizes. */
  @Test
  void seqpacketKeepsMessageBoundaries() throws Exception {
    NativeSocket[] pair = NativeSocket.socketpair(Kernel.SOCK_SEQPACKET);
    NativeBuffer b = NativeBuffer.allocate(256);
    SendVector v = new SendVector(1);
    try (NativeSocket a = pair[0]; NativeSocket z = pair[1]) {
      for (int size : new int[] {12, 40}) {
        v.clear();
        v.add(b, 0, size);
        assertEquals(size, a.send(v, false));
      }
      assertEquals(12, z.recv(b, 0, 256));
      assertEquals(40, z.recv(b, 0, 256));
    } finally {
      v.free();
      b.release();
    }
  }

  /**
   * MSG_ZEROCOPY on AF_UNIX, where SO_ZEROCOPY was refused: the flag is ignored (as on any
   * socket without the option) and the bytes go copied, so one API serves both kinds.
   */
  @Test
  void zeroCopyFlagOnAUnixSocketSendsCopied() throws Exception {
    NativeSocket[] pair = NativeSocket.socketpair(Kernel.SOCK_STREAM);
    NativeBuffer b = Loopback.patterned(8192, 33);
    NativeBuffer got = NativeBuffer.allocate(8192);
    SendVector v = new SendVector(1);
    try (NativeSocket a = pair[0]; NativeSocket z = pair[1]) {
      assertEquals(Errno.EOPNOTSUPP, a.setZeroCopy(true).errno());
      v.add(b, 0, 8192);
      assertEquals(8192, a.send(v, true));
      Loopback.recvFully(z, got, 0, 8192);
      Loopback.assertPattern(got, 0, 8192, 0, 33);
    } finally {
      v.free();
      b.release();
      got.release();
    }
  }

  @ParameterizedTest(name = "unix type {0}")
  @ValueSource(ints = {Kernel.SOCK_STREAM, Kernel.SOCK_SEQPACKET})
  void adoptReadsFamilyAndTypeAndMakesItNonBlocking(int type) throws Exception {
    int[] sv = new int[2];
    assertEquals(0, LibC.socketpair(Kernel.AF_UNIX, type, 0, sv), "a blocking pair made outside NativeSocket");
    assertEquals(0, LibC.fcntl(sv[0], Kernel.F_GETFL, 0) & Kernel.O_NONBLOCK, "blocking before adopt");
    NativeBuffer b = NativeBuffer.allocate(16);
    try (NativeSocket a = NativeSocket.adopt(sv[0]); NativeSocket z = NativeSocket.adopt(sv[1])) {
      assertEquals(sv[0], a.fd());
      assertEquals(Kernel.AF_UNIX, a.family());
      assertEquals(type, a.type());
      assertTrue(a.isUnix());
      assertEquals(type == Kernel.SOCK_STREAM ? "unix-stream" : "unix-seqpacket", a.kind());
      assertTrue((LibC.fcntl(sv[0], Kernel.F_GETFL, 0) & Kernel.O_NONBLOCK) != 0, "non-blocking after adopt");
      assertEquals(NativeSocket.WOULD_BLOCK, z.recv(b, 0, 16), "an empty adopted socket would block, not hang");
    } finally {
      b.release();
    }
  }

  @Test
  void adoptReadsAnInetSocketToo() throws Exception {
    int fd = LibC.socket(Kernel.AF_INET, Kernel.SOCK_DGRAM, 0);
    assertTrue(fd >= 0, "socket(AF_INET, SOCK_DGRAM)");
    try (NativeSocket adopted = NativeSocket.adopt(fd)) {
      assertEquals("udp4", adopted.kind());
    }
  }

  @Test
  void acceptReturnsNullWhenNothingWaits(@TempDir Path dir) throws Exception {
    try (NativeSocket unix = NativeSocket.unixStream(); NativeSocket tcp = NativeSocket.tcp4()) {
      unix.bind(UnixDomainSocketAddress.of(dir.resolve("idle.sock")));
      unix.listen(4);
      assertNull(unix.accept());
      tcp.bind(new InetSocketAddress(Transport.TCP4.loopback(), 0));
      tcp.listen(4);
      assertNull(tcp.accept());
    }
  }

  @ParameterizedTest(name = "unix type {0}")
  @ValueSource(ints = {Kernel.SOCK_STREAM, Kernel.SOCK_SEQPACKET})
  void pathBindConnectAccept(int type, @TempDir Path dir) throws Exception {
    UnixDomainSocketAddress path = UnixDomainSocketAddress.of(dir.resolve("blight.sock"));
    NativeBuffer b = Loopback.patterned(100, 44);
    NativeBuffer got = NativeBuffer.allocate(100);
    SendVector v = new SendVector(1);
    v.add(b, 0, 100);
    try (NativeSocket server = NativeSocket.open(Kernel.AF_UNIX, type);
        NativeSocket client = NativeSocket.forAddress(path, type)) {
      server.bind(path);
      server.listen(4);
      assertEquals(path, server.localAddress());
      assertTrue(client.connect(path), "AF_UNIX connects at once");
      assertEquals(path, client.remoteAddress());
      try (NativeSocket accepted = server.accept()) {
        assertNotNull(accepted, "the connection waits to be accepted");
        assertEquals(type, accepted.type());
        assertEquals(100, client.send(v, false));
        Loopback.recvFully(accepted, got, 0, 100);
        Loopback.assertPattern(got, 0, 100, 0, 44);
        assertEquals(100, accepted.send(v, false));
        Loopback.recvFully(client, got, 0, 100);
        Loopback.assertPattern(got, 0, 100, 0, 44);
        accepted.shutdownOutput();
        assertEquals(0, client.recv(got, 0, 100), "end of stream after the peer's shutdown");
      }
    } finally {
      v.free();
      b.release();
      got.release();
    }
  }

  @Test
  void connectToAMissingPathNamesENOENT(@TempDir Path dir) throws Exception {
    try (NativeSocket s = NativeSocket.unixStream()) {
      NativeIoException e = assertThrows(NativeIoException.class,
          () -> s.connect(UnixDomainSocketAddress.of(dir.resolve("nobody.sock"))));
      assertEquals(Errno.ENOENT, e.errno());
      ErrorsTest.assertMessage(e, "connect", "ENOENT", "No such file or directory");
    }
  }

  @Test
  void aPathTooLongIsRejectedBeforeTheKernel(@TempDir Path dir) throws Exception {
    try (NativeSocket s = NativeSocket.unixStream()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> s.bind(UnixDomainSocketAddress.of(dir.resolve("x".repeat(120)))));
      assertTrue(e.getMessage().contains("limit is 107"), e.getMessage());
    }
  }
}
