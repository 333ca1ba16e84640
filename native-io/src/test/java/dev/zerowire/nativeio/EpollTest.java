package dev.zerowire.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** epoll and eventfd as the poller uses them: tokens, wake-ups, readiness, EPOLLERR. */
class EpollTest {
  /** High bits set, so a wrong epoll_event layout (packed vs. padded) garbles it. */
  private static final long TOKEN = 0xCAFE_BABE_0000_0001L;

  @Test
  void eventFdSignalWakesABlockedWaitWithItsToken() throws Exception {
    try (Epoll ep = new Epoll(4); EventFd wake = new EventFd()) {
      ep.add(wake.fd(), Kernel.EPOLLIN, TOKEN);
      assertEquals(0, ep.waitFor(0), "not signalled yet");
      CompletableFuture<long[]> woken = new CompletableFuture<>();
      Thread poller = Thread.ofPlatform().name("test-poller").start(() -> {
        try {
          int n = ep.waitFor(Loopback.TIMEOUT_MS);
          woken.complete(n == 0 ? new long[] {0} : new long[] {n, ep.events(0), ep.token(0)});
        } catch (Throwable t) {
          woken.completeExceptionally(t);
        }
      });
      Thread.sleep(50); // let it block in epoll_wait
      assertTrue(poller.isAlive(), "the poller did not block");
      wake.signal();
      long[] got = woken.get(Loopback.TIMEOUT_MS, TimeUnit.MILLISECONDS);
      poller.join();
      assertEquals(1, got[0], "one event");
      assertEquals(Kernel.EPOLLIN, (int) got[1] & Kernel.EPOLLIN);
      assertEquals(TOKEN, got[2], "the token came back whole");
    }
  }

  @Test
  void drainResetsTheCounter() throws Exception {
    try (Epoll ep = new Epoll(4); EventFd wake = new EventFd()) {
      ep.add(wake.fd(), Kernel.EPOLLIN, 9);
      assertEquals(0, wake.drain(), "not signalled: nothing to read, no exception");
      wake.signal();
      wake.signal();
      wake.signal();
      assertEquals(1, ep.waitFor(100));
      assertEquals(9, ep.token(0));
      assertEquals(3, wake.drain(), "the count of signals");
      assertEquals(0, ep.waitFor(0), "drained: no longer readable");
      assertEquals(0, wake.drain());
    }
  }

  @Test
  void drainAfterCloseDoesNotReadAReusedFd() throws Exception {
    EventFd old = new EventFd();
    old.close();
    try (EventFd next = new EventFd()) { // very likely the same fd number
      next.signal();
      assertThrows(SocketClosedException.class, old::drain);
      assertEquals(1, next.drain(), "the new eventfd kept its signal");
    }
  }

  @Test
  void socketpairBecomesReadableWithItsToken() throws Exception {
    NativeSocket[] pair = NativeSocket.socketpair(Kernel.SOCK_STREAM);
    NativeBuffer b = NativeBuffer.allocate(16);
    SendVector v = new SendVector(1);
    try (NativeSocket a = pair[0]; NativeSocket z = pair[1]; Epoll ep = new Epoll(4)) {
      ep.add(a.fd(), Kernel.EPOLLIN, 100);
      ep.add(z.fd(), Kernel.EPOLLIN, 200);
      assertEquals(0, ep.waitFor(0), "nothing sent yet");
      v.add(b, 0, 5);
      assertEquals(5, a.send(v, false));
      assertEquals(1, ep.waitFor(1000));
      assertEquals(200, ep.token(0), "the receiving end's token");
      assertTrue((ep.events(0) & Kernel.EPOLLIN) != 0);
      assertEquals(5, z.recv(b, 0, 16));
      assertEquals(0, ep.waitFor(0), "read: no longer readable");

      ep.modify(z.fd(), Kernel.EPOLLOUT, 300);
      assertEquals(1, ep.waitFor(1000));
      assertEquals(300, ep.token(0), "the modified token");
      assertTrue((ep.events(0) & Kernel.EPOLLOUT) != 0);
      ep.remove(z.fd());
      assertEquals(0, ep.waitFor(0), "removed");
      ep.remove(z.fd()); // not registered: no error
    } finally {
      v.free();
      b.release();
    }
  }

  /** A non-empty error queue raises EPOLLERR even when only EPOLLIN was asked for. */
  @Test
  @Requires("tcp4")
  void pendingZeroCopyCompletionsRaiseEpollErr() throws Exception {
    NativeBuffer b = Loopback.patterned(64 * 1024, 8);
    NativeBuffer got = NativeBuffer.allocate(b.length());
    SendVector v = new SendVector(1);
    try (Loopback.Pair p = Loopback.tcp(Transport.TCP4); Epoll ep = new Epoll(4)) {
      assertTrue(p.sender().setZeroCopy(true).enabled());
      ep.add(p.sender().fd(), Kernel.EPOLLIN, TOKEN);
      assertEquals(0, ep.waitFor(0), "a fresh sender is not readable and has no errors");
      int calls = Loopback.sendFully(p.sender(), v, b, 0, b.length(), true);
      Loopback.recvFully(p.receiver(), got, 0, b.length());
      assertEquals(1, ep.waitFor(Loopback.TIMEOUT_MS));
      assertEquals(TOKEN, ep.token(0));
      assertEquals(Kernel.EPOLLERR, ep.events(0), "EPOLLERR only, events 0x" + Integer.toHexString(ep.events(0)));
      Completions c = new Completions();
      c.drainUntil(p.sender(), calls).assertExactlyIds(calls, "after EPOLLERR");
      assertEquals(0, ep.waitFor(0), "a drained error queue no longer raises EPOLLERR");
    } finally {
      v.free();
      b.release();
      got.release();
    }
  }

  @Test
  void aClosedEpollNeverTouchesAReusedFd() throws Exception {
    assertThrows(IllegalArgumentException.class, () -> new Epoll(0));
    Epoll old = new Epoll(1);
    old.close();
    old.close(); // idempotent
    try (Epoll next = new Epoll(1); EventFd e = new EventFd()) { // next very likely reuses the number
      e.signal();
      assertThrows(SocketClosedException.class, () -> old.add(e.fd(), Kernel.EPOLLIN, 1));
      assertThrows(SocketClosedException.class, () -> old.modify(e.fd(), Kernel.EPOLLIN, 1));
      assertThrows(SocketClosedException.class, () -> old.remove(e.fd()));
      assertThrows(SocketClosedException.class, () -> old.waitFor(0));
      assertEquals(0, next.waitFor(0), "nothing was registered on the epoll that reused the fd");
    }
  }
}
