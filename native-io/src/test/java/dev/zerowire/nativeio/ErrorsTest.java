package dev.zerowire.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Errors as callers see them: the right JDK type, and a message that names what failed. */
class ErrorsTest {

  /** A TCP socket bound but not listening holds the port, so nothing else can take it meanwhile. */
  @Test
  @Requires("tcp4")
  void connectToAClosedLoopbackPortIsConnectExceptionNamingConnectAndErrno() throws Exception {
    try (NativeSocket holder = NativeSocket.tcp4(); NativeSocket s = NativeSocket.tcp4()) {
      holder.bind(new InetSocketAddress(Transport.TCP4.loopback(), 0));
      ConnectException e = assertThrows(ConnectException.class, () -> {
        if (!s.connect(holder.localAddress())) { // loopback may refuse at once or after EINPROGRESS
          Loopback.awaitEvent(s, Kernel.EPOLLOUT);
          s.finishConnect();
        }
      });
      assertMessage(e, "connect", "ECONNREFUSED", "(111)", "Connection refused");
    }
  }

  @Test
  void bindToAnAddressInUseIsNativeIoExceptionWithErrno() throws Exception {
    try (NativeSocket a = NativeSocket.tcp4(); NativeSocket b = NativeSocket.tcp4()) {
      a.bind(new InetSocketAddress(Transport.TCP4.loopback(), 0));
      a.listen(1);
      NativeIoException e = assertThrows(NativeIoException.class, () -> b.bind(a.localAddress()));
      assertEquals("bind", e.syscall());
      assertEquals(Errno.EADDRINUSE, e.errno());
      assertFalse(e.isConnectionLost());
      assertMessage(e, "bind(..) failed", "error(98)", "EADDRINUSE", "Address already in use");
    }
  }

  @Test
  void adoptingANonSocketNamesTheOptionAndENOTSOCK() throws Exception {
    try (EventFd notASocket = new EventFd()) {
      NativeIoException e = assertThrows(NativeIoException.class, () -> NativeSocket.adopt(notASocket.fd()));
      assertEquals(Errno.ENOTSOCK, e.errno());
      assertMessage(e, "getsockopt(SO_DOMAIN)", "error(88)", "ENOTSOCK", "Socket operation on non-socket");
    }
  }

  @Test
  void ebadfFromTheKernelIsAClosedChannelException() {
    // -1 is never an open fd: the kernel answers EBADF, which Errors maps to the JDK's type.
    IOException e = assertThrows(IOException.class, () -> NativeSocket.adopt(-1));
    assertInstanceOf(ClosedChannelException.class, e);
    assertMessage(e, "getsockopt(SO_DOMAIN)", "error(9)", "EBADF", "Bad file descriptor");
  }

  @Test
  void errorsMapsErrnoToJdkTypes() {
    assertInstanceOf(SocketClosedException.class, Errors.exception("recv", Errno.EBADF));
    assertInstanceOf(ConnectException.class, Errors.exception("connect", Errno.ECONNREFUSED));
    IOException other = Errors.exception("sendmsg", Errno.ENOBUFS);
    assertEquals(NativeIoException.class, other.getClass());
    assertEquals("sendmsg(..) failed with error(105) ENOBUFS: No buffer space available", other.getMessage());
    assertTrue(((NativeIoException) Errors.exception("sendmsg", Errno.EPIPE)).isConnectionLost());
    assertTrue(((NativeIoException) Errors.exception("sendmsg", Errno.ECONNRESET)).isConnectionLost());
    assertEquals("errno 4095", Errno.name(4095));
    assertTrue(Errors.describe("x", 4095).contains("errno 4095"), Errors.describe("x", 4095));
  }

  /** Every operation on a closed socket throws SocketClosedException naming the operation. */
  @Test
  void useAfterCloseThrowsSocketClosedNamingTheOperation() throws Exception {
    NativeSocket s = NativeSocket.tcp4();
    int fd = s.fd();
    assertTrue(fd >= 0 && s.isOpen());
    s.close();
    assertFalse(s.isOpen());
    assertEquals(-1, s.fd());
    NativeBuffer b = NativeBuffer.allocate(16);
    SendVector v = new SendVector(1);
    v.add(b, 0, 16);
    InetSocketAddress any = new InetSocketAddress(Transport.TCP4.loopback(), 0);
    List<Map.Entry<String, Executable>> ops = new ArrayList<>(); // operation -> the name it must give
    ops.add(Map.entry("sendmsg", () -> s.send(v, true)));
    ops.add(Map.entry("recv", () -> s.recv(b, 0, 16)));
    ops.add(Map.entry("bind", () -> s.bind(any)));
    ops.add(Map.entry("listen", () -> s.listen(1)));
    ops.add(Map.entry("accept4", s::accept));
    ops.add(Map.entry("connect", () -> s.connect(any)));
    ops.add(Map.entry("setsockopt", () -> s.setZeroCopy(true)));
    ops.add(Map.entry("setsockopt", () -> s.setTcpNoDelay(true)));
    ops.add(Map.entry("getsockopt", s::sendBufferSize));
    ops.add(Map.entry("getsockopt", s::finishConnect));
    ops.add(Map.entry("getsockname", s::localAddress));
    ops.add(Map.entry("getpeername", s::remoteAddress));
    ops.add(Map.entry("recvmsg(MSG_ERRQUEUE)", () -> s.drainErrorQueue(new Completions(), 1)));
    ops.add(Map.entry("shutdown(SHUT_WR)", s::shutdownOutput));
    ops.add(Map.entry("connect(AF_UNSPEC)", s::disconnect));
    try {
      for (Map.Entry<String, Executable> op : ops) {
        SocketClosedException e = assertThrows(SocketClosedException.class, op.getValue(), op.getKey());
        assertTrue(e.getMessage().startsWith(op.getKey() + " on a closed socket"), op.getKey() + ": " + e.getMessage());
      }
    } finally {
      v.free();
      b.release();
    }
    s.close(); // idempotent
    s.close();
    assertEquals(-1, s.fd());
  }

  @Test
  void closeIsIdempotentAndDoesNotCloseAReusedFd() throws Exception {
    NativeSocket s = NativeSocket.udp4();
    s.close();
    // The next socket very likely gets the same fd number; a second close must not touch it.
    try (NativeSocket next = NativeSocket.udp4()) {
      s.close();
      assertTrue(next.isOpen());
      next.setSendBufferSize(8192); // EBADF here would mean the old object closed it
      assertEquals(16384, next.sendBufferSize());
    }
  }

  @Test
  void epollAndEventFdAfterClose() throws Exception {
    Epoll ep = new Epoll(1);
    ep.close();
    ep.close();
    SocketClosedException e = assertThrows(SocketClosedException.class, () -> ep.waitFor(0));
    assertTrue(e.getMessage().contains("epoll_wait"), e.getMessage());
    EventFd ev = new EventFd();
    ev.close();
    ev.signal(); // a no-op after close: shutdown may race a last signal
    ev.close();
  }

  static void assertMessage(Throwable e, String... parts) {
    String m = e.getMessage();
    for (String part : parts) {
      assertTrue(m != null && m.contains(part), "message should contain '" + part + "': " + m);
    }
  }
}
