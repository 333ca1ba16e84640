package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.zerowire.nativeio.ErrorQueueHandler;
import dev.zerowire.nativeio.ExtendedError;
import dev.zerowire.nativeio.Kernel;
import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.NativeSocket;
import dev.zerowire.nativeio.SendVector;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.function.IntPredicate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The poller's quiet registration, on a real zero-copy UDP socket and a real epoll set, with
 * probes in place of the reaper and the socket actor (so the test holds the drain cycle itself):
 * an EPOLLERR while a cycle is open makes the registration one-shot, so further completions and
 * inbound data wake nobody; ending the cycle re-arms it, and what came meanwhile is reported then.
 * The registration's mask is read from the kernel (/proc/self/fdinfo of the epoll fd, proc(5)).
 */
class QuietRegistrationTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("quiet");
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void anErrorDuringAnOpenCycleQuietsTheRegistrationUntilTheCycleEnds() throws Exception {
    Poller poller = new Poller(16, java.time.Duration.ZERO);
    NativeBuffer data = NativeBuffer.allocate(1024);
    SendVector vector = new SendVector(1);
    try (DatagramChannel peer = DatagramChannel.open(StandardProtocolFamily.INET)) {
      peer.bind(new InetSocketAddress("127.0.0.1", 0));
      NativeSocket socket = NativeSocket.udp4();
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      assertTrue(socket.connect(peer.getLocalAddress()), "a UDP connect ends at once");
      socket.setZeroCopy(true);
      vector.add(data, 0, data.length());
      TestProbe<SocketProtocol.Command> owner = kit.createTestProbe();
      TestProbe<Reaper.Command> reaper = kit.createTestProbe();
      CompletionInbox inbox = new CompletionInbox();
      Poller.Registration r = Poller.Registration.socket(poller.newToken(), socket.fd(), owner.getRef());
      poller.register(r);
      poller.watchWritable(r, false);
      poller.attachReaper(r, reaper.getRef(), inbox);
      drain(owner); // a registration starts with EPOLLOUT (a connect ends that way): its first edge may have come
      ByteBuffer dgram = ByteBuffer.allocate(2048);

      sendAndDeliver(socket, vector, peer, dgram); // a completion: the poller opens a cycle
      assertEquals(new Reaper.ErrorQueueReady(r.token), reaper.receiveMessage(WAIT));

      // The test holds the cycle and does not drain: the next completion finds it open. The
      // one-shot mask re-checks readiness, finds the unread queue, fires once, and is spent.
      sendAndDeliver(socket, vector, peer, dgram);
      int spent = awaitMask(poller, socket.fd(), m -> (m & Kernel.EPOLLONESHOT) != 0 && (m & Kernel.EPOLLIN) == 0);
      assertTrue((spent & Kernel.EPOLLET) != 0, "only the private bits stay: 0x" + Integer.toHexString(spent));

      sendAndDeliver(socket, vector, peer, dgram); // another completion, and data for the socket
      peer.send(ByteBuffer.wrap(new byte[] {1, 2, 3}), socket.localAddress());
      reaper.expectNoMessage(Duration.ofMillis(200)); // quiet: nobody is woken
      owner.expectNoMessage(Duration.ofMillis(200));

      // The holder ends the cycle as the socket actor does: EPOLLERRs came meanwhile, so it drains
      // again; the end that finds nothing new re-arms, and the re-arm reports the waiting datagram.
      Completions c = new Completions();
      socket.drainErrorQueue(c, 64);
      assertEquals(CompletionInbox.End.AGAIN, inbox.endCycle(c.ids > 0, false));
      long before = c.ids;
      socket.drainErrorQueue(c, 64); // quiet: it goes on while drains find completions
      CompletionInbox.End end = inbox.endCycle(c.ids > before, false);
      if (end == CompletionInbox.End.AGAIN) {
        socket.drainErrorQueue(c, 64);
        end = inbox.endCycle(false, false);
      }
      assertEquals(3, c.ids, "every send's completion was read");
      assertEquals(CompletionInbox.End.OVER_REARM, end, "a drain that found nothing ends it");
      poller.rearm(r);
      int armed = awaitMask(poller, socket.fd(), m -> (m & Kernel.EPOLLIN) != 0);
      assertEquals(0, armed & Kernel.EPOLLONESHOT, "re-armed as before the cycle: 0x" + Integer.toHexString(armed));
      assertEquals(SocketActor.Readable.INSTANCE, owner.receiveMessage(WAIT), "the data that came while quiet");
      reaper.expectNoMessage(Duration.ofMillis(100)); // the error queue was read empty

      sendAndDeliver(socket, vector, peer, dgram); // and the next completion opens a new cycle
      assertEquals(new Reaper.ErrorQueueReady(r.token), reaper.receiveMessage(WAIT));

      poller.deregister(r);
      poller.rearm(r); // once the fd left epoll no epoll_ctl names it again (it may be closed and reused)
      poller.watchWritable(r, true);
      socket.close();
    } finally {
      poller.stop();
      vector.free();
      data.release();
    }
  }

  /** Drops whatever {@code p} holds now (at most 100 ms apart). */
  private static void drain(TestProbe<?> p) {
    while (true) {
      try {
        p.receiveMessage(Duration.ofMillis(100));
      } catch (AssertionError nothingMore) {
        return;
      }
    }
  }

  /** One zero-copy datagram, read by the peer (loopback completes it, COPIED, once delivered). */
  private static void sendAndDeliver(NativeSocket s, SendVector v, DatagramChannel peer, ByteBuffer into) throws Exception {
    assertEquals(v.totalBytes(), s.send(v, true));
    peer.receive(into.clear());
  }

  private static final class Completions implements ErrorQueueHandler {
    long ids;

    @Override
    public void onCompletion(int lo, int hi, boolean copied) {
      ids += hi - lo + 1;
    }

    @Override
    public void onOtherError(ExtendedError error) {
      fail("not a completion: " + error);
    }
  }

  /** Waits until the mask of {@code fd}'s registration satisfies {@code wanted}; returns it. */
  private static int awaitMask(Poller poller, int fd, IntPredicate wanted) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    int mask;
    do {
      mask = mask(poller, fd);
      if (wanted.test(mask)) {
        return mask;
      }
      Thread.sleep(1);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("fd " + fd + " still has mask 0x" + Integer.toHexString(mask) + " after " + WAIT);
  }

  private static int mask(Poller poller, int fd) throws Exception {
    return EpollOutTest.maskIn(poller.epollFd(), fd);
  }
}
