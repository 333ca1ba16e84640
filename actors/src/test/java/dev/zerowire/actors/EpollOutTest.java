package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.zerowire.actors.SocketProtocol.Released;
import dev.zerowire.actors.SocketProtocol.SendReply;
import dev.zerowire.nativeio.Kernel;
import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.NativeSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A socket asks epoll for EPOLLOUT only while a write waits for room (Poller.watchWritable): read
 * from the kernel's own view, the registration's event mask in /proc/self/fdinfo of the epoll fd
 * (proc(5), "tfd: ... events: ..."). The sends' outcomes show nothing waits forever for it.
 */
class EpollOutTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("epollout");
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void epollOutIsOnOnlyWhileAWriteWaitsForRoom() throws Exception {
    ZeroWire zw = ZeroWire.get(kit.system());
    NativeSocket[] pair = NativeSocket.socketpair(Kernel.SOCK_STREAM);
    int fd = pair[0].fd();
    NativeSocket far = pair[1];
    TestProbe<SocketProtocol.ConnectReply> opened = kit.createTestProbe();
    zw.manager().tell(new SocketProtocol.Adopt(pair[0], zw.defaultOptions().withBuffers(16 * 1024, 16 * 1024),
        opened.getRef()));
    var socket = opened.expectMessageClass(SocketProtocol.Connected.class, WAIT).socket();
    int size = 64 * 1024;
    int n = 16; // 1 MiB against a 16 KiB send buffer: the socket must wait for room
    NativeBuffer data = NativeBuffer.allocate(n * size);
    NativeBuffer sink = NativeBuffer.allocate(size);
    try {
      TestProbe<SendReply> probe = kit.createTestProbe();
      // One small send the far end reads: the room it frees is an EPOLLOUT edge, and the Writable it
      // brings finds nothing queued, so the socket stops watching.
      socket.tell(new SocketProtocol.Send(List.of(data.slice(0, 100)), -1, probe.getRef()));
      probe.expectMessageClass(Released.class, WAIT);
      readExactly(far, sink, 100);
      awaitMask(fd, false);

      for (int k = 0; k < n; k++) {
        socket.tell(new SocketProtocol.Send(List.of(data.slice(k * size, size)), k, probe.getRef()));
      }
      awaitMask(fd, true); // the far end reads nothing yet: EAGAIN, so the socket watches for room

      readExactly(far, sink, n * size);
      for (int k = 0; k < n; k++) {
        probe.expectMessageClass(Released.class, WAIT);
      }
      awaitMask(fd, false); // written out: watching again would only wake the poller for nothing
    } finally {
      TestProbe<SocketProtocol.Event> closed = kit.createTestProbe();
      socket.tell(new SocketProtocol.Abort(closed.getRef()));
      closed.expectMessageClass(SocketProtocol.Closed.class, WAIT); // every send has its outcome: data is ours
      far.close();
      sink.release();
      data.release();
    }
  }

  private static void readExactly(NativeSocket s, NativeBuffer into, long total) throws Exception {
    long got = 0;
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (got < total) {
      long r = s.recv(into, 0, (int) Math.min(into.length(), total - got));
      if (r == NativeSocket.WOULD_BLOCK) {
        if (System.nanoTime() > deadline) {
          fail("read " + got + " of " + total + " bytes in " + WAIT);
        }
        Thread.sleep(1);
      } else if (r <= 0) {
        fail("end of stream after " + got + " of " + total + " bytes");
      } else {
        got += r;
      }
    }
  }

  /** Waits until the epoll registration of {@code fd} does (or does not) include EPOLLOUT. */
  private static void awaitMask(int fd, boolean out) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    int mask = -1;
    while (System.nanoTime() < deadline) {
      mask = mask(fd);
      if (((mask & Kernel.EPOLLOUT) != 0) == out) {
        assertTrue((mask & Kernel.EPOLLIN) != 0, "EPOLLIN must stay: " + Integer.toHexString(mask));
        return;
      }
      Thread.sleep(1);
    }
    assertEquals(out, (mask & Kernel.EPOLLOUT) != 0,
        "EPOLLOUT of fd " + fd + " in mask 0x" + Integer.toHexString(mask) + " after " + WAIT);
  }

  /** The event mask of {@code fd}'s registration in zerowire's epoll set. */
  private static int mask(int fd) throws Exception {
    return maskIn(ZeroWire.get(kit.system()).pollerEpollFd(), fd);
  }

  /** The event mask of {@code fd}'s registration in the epoll set {@code epfd}, as the kernel shows it. */
  static int maskIn(int epfd, int fd) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + epfd))) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 4 && f[0].equals("tfd:") && f[1].equals(String.valueOf(fd)) && f[2].equals("events:")) {
        return (int) Long.parseLong(f[3], 16);
      }
    }
    throw new AssertionError("fd " + fd + " is not registered with epoll fd " + epfd);
  }
}
