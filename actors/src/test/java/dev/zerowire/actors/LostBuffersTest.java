package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerowire.actors.SocketProtocol.ReceivedBuffer;
import dev.zerowire.nativeio.Kernel;
import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.NativeSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A handler of lent receive buffers fails on its first one: the chunks still in its mailbox, and
 * any sent after, go to dead letters, and zerowire releases them (their socket's pool takes them
 * back or frees them) instead of leaking their native memory. Real socketpair; the handler is
 * an actor of its own, or a message adapter of one (Pekko wraps what an adapter forwards).
 */
class LostBuffersTest {
  static final ActorTestKit kit = ActorTestKit.create("LostBuffersTest");

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  /** Fails on the first event it gets: typed supervision stops it. */
  static Behavior<SocketProtocol.Event> failing() {
    return Behaviors.receiveMessage(e -> {
      throw new IllegalStateException("the handler fails (a test)");
    });
  }

  /** An actor that hands its adapter to {@code adapterTo} and fails on the first adapted event. */
  static Behavior<Object> failingBehindAnAdapter(TestProbe<ActorRef<SocketProtocol.Event>> adapterTo) {
    return Behaviors.setup(ctx -> {
      adapterTo.getRef().tell(ctx.messageAdapter(SocketProtocol.Event.class, e -> e));
      return Behaviors.receiveMessage(e -> {
        throw new IllegalStateException("the handler fails (a test)");
      });
    });
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void lentBuffersThatReachNoHandlerAreReleased(boolean adapter) throws Exception {
    TestProbe<DeadLetter> dead = kit.createTestProbe();
    kit.system().eventStream().tell(new EventStream.Subscribe<>(DeadLetter.class, dead.getRef()));
    NativeSocket[] pair = NativeSocket.socketpair(Kernel.SOCK_STREAM);
    try (NativeSocket peer = pair[1]) {
      ZeroWire zw = ZeroWire.get(kit.system());
      TestProbe<SocketProtocol.ConnectReply> opened = kit.createTestProbe();
      zw.manager().tell(new SocketProtocol.Adopt(pair[0], zw.defaultOptions(), opened.getRef()));
      SocketProtocol.Connected c = opened.expectMessageClass(SocketProtocol.Connected.class, Duration.ofSeconds(10));
      ActorRef<SocketProtocol.Event> handler;
      if (adapter) {
        TestProbe<ActorRef<SocketProtocol.Event>> adapters = kit.createTestProbe();
        kit.spawn(failingBehindAnAdapter(adapters));
        handler = adapters.receiveMessage(Duration.ofSeconds(10));
      } else {
        handler = kit.spawn(failing());
      }
      c.socket().tell(new SocketProtocol.Register(handler).withLentBuffers()); // push mode: chunks pile up
      NativeBuffer bytes = NativeBuffer.allocate(2 << 20);
      dev.zerowire.nativeio.SendVector v = new dev.zerowire.nativeio.SendVector(1);
      try { // 2 MiB, as far as the socket takes them before it stops reading (pool out, or closed)
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        for (int done = 0; done < bytes.length() && System.nanoTime() < deadline; ) {
          v.clear();
          v.add(bytes, done, bytes.length() - done);
          long w = peer.send(v, false);
          if (w > 0) {
            done += (int) w;
          } else {
            Thread.sleep(1);
          }
        }
      } catch (java.io.IOException closed) {
        // EPIPE: the socket closed (its handler is gone)
      } finally {
        v.free();
        bytes.release();
      }
      kit.createTestProbe().expectTerminated(c.socket(), Duration.ofSeconds(10)); // the death pact closed it
      List<NativeBuffer> lost = new ArrayList<>();
      while (true) { // every dead letter of the run has been published by now; take them
        DeadLetter d;
        try {
          d = dead.receiveMessage(Duration.ofMillis(500));
        } catch (AssertionError none) {
          break;
        }
        if (LostBuffers.unwrap(d.message()) instanceof ReceivedBuffer b) {
          lost.add(b.buffer());
        }
      }
      assertFalse(lost.isEmpty(), "some lent buffers reached no handler (else this test shows nothing)");
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (lost.stream().anyMatch(b -> !b.isReleased()) && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertTrue(lost.stream().allMatch(NativeBuffer::isReleased), lost.size() + " lost buffers, not all released");
    } finally {
      kit.system().eventStream().tell(new EventStream.Unsubscribe<>(dead.getRef()));
    }
  }
}
