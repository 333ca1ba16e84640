package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.zerowire.actors.SocketContract.Outcomes;
import dev.zerowire.actors.SocketProtocol.Closed;
import dev.zerowire.actors.SocketProtocol.Event;
import dev.zerowire.actors.SocketProtocol.Failed;
import dev.zerowire.actors.SocketProtocol.PeerClosed;
import dev.zerowire.actors.SocketProtocol.Received;
import dev.zerowire.actors.SocketProtocol.ReceivedBuffer;
import dev.zerowire.actors.SocketProtocol.Released;
import dev.zerowire.actors.SocketProtocol.SendOutcome;
import dev.zerowire.actors.SocketProtocol.SendReply;
import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.NativeSocket;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The closing rules of {@link SocketProtocol} at the edges, over each transport (mixed into the
 * {@link SocketContract} subclasses): nothing the kernel delivered is lost whatever ends the
 * connection, a graceful close never resets a peer that is reading, and every close ends within
 * its timeouts with one outcome per Send. Real sockets; the peer is a plain native socket.
 */
interface CloseContract {

  Peer.Transport transport();

  SocketOptions options(SendMode mode);

  NativeBuffer buffer(int size);

  void sendStream(ActorRef<SocketProtocol.Command> to, int n, int size, TestProbe<SendReply> probe);

  private static ActorTestKit kit() {
    return SocketContract.kit;
  }

  /** What ends the connection while the peer's bytes still wait unread in our kernel buffers. */
  enum HangUp {
    /** The peer sends, then closes cleanly: end of stream. */
    END_OF_STREAM,
    /** The peer sends, then closes without reading what we sent: our next send fails (RST / EPIPE). */
    SEND_ERROR,
    /** The peer sends and stays; we Abort. */
    ABORT
  }

  static Stream<Arguments> hangUps() {
    return Stream.of(
        Arguments.of(HangUp.END_OF_STREAM, 1, 1, false), Arguments.of(HangUp.END_OF_STREAM, 37, 1000, false),
        Arguments.of(HangUp.END_OF_STREAM, 500, 4096, false),
        Arguments.of(HangUp.SEND_ERROR, 1, 1, false), Arguments.of(HangUp.SEND_ERROR, 37, 1000, false),
        Arguments.of(HangUp.SEND_ERROR, 500, 4096, false),
        Arguments.of(HangUp.ABORT, 1, 1, false), Arguments.of(HangUp.ABORT, 10, 4096, false),
        // off-heap receive: the salvaged bytes come as lent buffers too
        Arguments.of(HangUp.SEND_ERROR, 500, 4096, true), Arguments.of(HangUp.ABORT, 10, 4096, true));
  }

  /**
   * The peer sends {@code n} messages of {@code size} while the handler reads slowly (pull mode, a
   * millisecond per chunk), so most of them still sit in the kernel when the connection ends.
   * Every byte must reach the handler, in order, then PeerClosed (for an end of stream), then
   * Closed last. Three repetitions each.
   */
  @ParameterizedTest(name = "{0}: {1} x {2} B, lent {3}")
  @MethodSource("dev.zerowire.actors.CloseContract#hangUps")
  default void everyInboundByteReachesTheHandlerWhateverEndsTheConnection(HangUp how, int n, int size, boolean lent)
      throws Exception {
    for (int rep = 0; rep < 3; rep++) {
      hangUp(how, n, size, lent, "repetition " + rep);
    }
  }

  private void hangUp(HangUp how, int n, int size, boolean lent, String label) throws Exception {
    try (Peer peer = transport().open(kit(), options(SendMode.ADAPTIVE).withReadBufferSize(16 * 1024))) {
      TestProbe<Event> handler = kit().createTestProbe();
      TestProbe<SendReply> outcomes = kit().createTestProbe();
      TestProbe<Event> closer = kit().createTestProbe();
      SocketProtocol.Register register = SocketProtocol.Register.pull(handler.getRef());
      peer.zw.tell(lent ? register.withLentBuffers() : register);
      int outgoing = how == HangUp.SEND_ERROR ? 300 : 0;
      if (outgoing > 0) {
        sendStream(peer.zw, outgoing, 64 * 1024, outcomes); // the peer never reads these
      }
      AtomicBoolean written = new AtomicBoolean();
      AtomicReference<Throwable> writerFailed = new AtomicReference<>();
      Thread writer = Thread.ofPlatform().name("peer-writer").start(() -> {
        try {
          writeStream(peer.socket, n, size);
          PlainPeer.awaitTakenByPeer(peer.socket);
          if (how != HangUp.ABORT) {
            peer.socket.close(); // with our sends unread (SEND_ERROR) the kernel resets
          }
        } catch (Throwable t) {
          writerFailed.set(t);
        } finally {
          written.set(true);
        }
      });
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      boolean peerClosed = false;
      boolean aborted = false;
      Closed closed = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (closed == null) {
        if (System.nanoTime() > deadline) {
          fail(label + ": no Closed; " + got.size() + " of " + (long) n * size + " bytes delivered");
        }
        Event e = poll(handler);
        if (e instanceof Received || e instanceof ReceivedBuffer) {
          assertFalse(peerClosed, label + ": Received after PeerClosed");
          got.writeBytes(e instanceof Received r ? r.data() : ((ReceivedBuffer) e).bytes()); // bytes() releases
          if (how == HangUp.ABORT && !aborted) {
            while (!written.get()) { // all the peer sends fits our kernel buffers: let it pile up there
              Thread.sleep(1);
            }
            aborted = true;
            peer.zw.tell(new SocketProtocol.Abort(closer.getRef())); // before the next chunk is asked for
          } else if (!written.get()) {
            Thread.sleep(1); // a slow handler: the peer's bytes pile up in our kernel buffers
          }
          peer.zw.tell(SocketProtocol.ResumeReading.INSTANCE);
        } else if (e instanceof PeerClosed) {
          peerClosed = true;
        } else if (e instanceof Closed c) {
          closed = c;
        }
      }
      writer.join(10_000);
      assertEquals(null, writerFailed.get(), label + ": the peer's writer failed");
      handler.expectNoMessage(Duration.ofMillis(50)); // Closed is the last event
      byte[] bytes = got.toByteArray();
      assertEquals((long) n * size, bytes.length, label + ": bytes delivered (" + how + ", Closed: " + closed.how() + ")");
      for (int i = 0; i < bytes.length; i++) {
        if (bytes[i] != SocketContract.streamByte(i)) {
          fail(label + ": byte " + i + " differs: delivered out of order or corrupted");
        }
      }
      if (how == HangUp.END_OF_STREAM) {
        assertTrue(peerClosed, label + ": PeerClosed after the last byte");
      }
      if (how == HangUp.ABORT) {
        assertEquals("aborted", closed.how(), label);
        assertEquals("aborted", closer.expectMessageClass(Closed.class, Duration.ofSeconds(10)).how());
      }
      if (outgoing > 0) {
        Outcomes o = new Outcomes();
        o.awaitAll(outcomes, outgoing, Duration.ofSeconds(30));
        SocketStats st = closed.stats(); // Sends that came after the close began were refused
        assertEquals(outgoing, st.released() + st.failed() + st.refused(), label + ": " + st);
        assertEquals(0, closed.stats().withheld(), label);
      }
    }
  }

  /**
   * Close with inbound data nobody has read yet (handler registered, or none): the peer, reading
   * slowly, still receives every byte we sent and an end of stream, never a reset. Abort does
   * reset (TCP; AF_UNIX has no reset and just closes).
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(CloseKind.class)
  default void closeWithUnreadInboundDataLetsThePeerReadEverything(CloseKind kind) throws Exception {
    // Copy mode: a Send is released once the kernel copied it, while its bytes may still wait in
    // the send queue; a reset at close would destroy those (tcp_disconnect purges the queue).
    try (Peer peer = transport().open(kit(), options(SendMode.COPY))) {
      TestProbe<Event> handler = kit().createTestProbe();
      TestProbe<SendReply> outcomes = kit().createTestProbe();
      TestProbe<Event> closer = kit().createTestProbe();
      int inbound = 64 * 1024;
      writeStream(peer.socket, 1, inbound); // unread by zerowire when Close arrives
      if (kind != CloseKind.CLOSE_WITHOUT_HANDLER) {
        peer.zw.tell(SocketProtocol.Register.pull(handler.getRef())); // reads one chunk, then waits
      }
      peer.startReading(SocketContract::streamByte, 64 * 1024, 2000); // a slow reader: our queue stays full
      int n = 100;
      int size = 64 * 1024;
      sendStream(peer.zw, n, size, outcomes);
      peer.zw.tell(switch (kind) {
        case CLOSE, CLOSE_WITHOUT_HANDLER -> new SocketProtocol.Close(closer.getRef());
        case CONFIRMED_CLOSE -> new SocketProtocol.ConfirmedClose(closer.getRef());
        case ABORT -> new SocketProtocol.Abort(closer.getRef());
      });
      long delivered = 0;
      Closed closed = null;
      if (kind == CloseKind.CLOSE_WITHOUT_HANDLER) {
        closed = closer.expectMessageClass(Closed.class, Duration.ofSeconds(30));
      } else {
        while (closed == null) {
          Event e = handler.receiveMessage(Duration.ofSeconds(30));
          if (e instanceof Received r) {
            delivered += r.data().length;
            peer.zw.tell(SocketProtocol.ResumeReading.INSTANCE);
          } else if (e instanceof Closed c) {
            closed = c;
          }
        }
        assertEquals(inbound, delivered, "every inbound byte reached the handler");
      }
      Outcomes o = new Outcomes();
      o.awaitAll(outcomes, n, Duration.ofSeconds(30));
      if (kind == CloseKind.ABORT) {
        assertEquals("aborted", closed.how());
        peer.awaitEof(Duration.ofSeconds(10));
        if (transport() != Peer.Transport.UNIX) {
          assertTrue(peer.reset, "Abort resets a TCP connection");
        }
        return;
      }
      assertEquals(n, o.count(Released.class), "every Send released");
      assertEquals(kind == CloseKind.CONFIRMED_CLOSE ? "confirmed" : "closed", closed.how());
      peer.awaitBytes((long) n * size, Duration.ofSeconds(30));
      peer.awaitEof(Duration.ofSeconds(10));
      assertTrue(peer.eof, "the peer saw our end of stream");
      assertFalse(peer.reset, "a graceful close never resets a reading peer");
      assertEquals(0, peer.corrupt.get());
    }
  }

  enum CloseKind { CLOSE, CONFIRMED_CLOSE, CLOSE_WITHOUT_HANDLER, ABORT }

  /**
   * A peer that never reads: Close ends within close-timeout (plus reset-grace), every Send gets
   * exactly one outcome, and nothing the kernel gave back is withheld.
   */
  @Test
  default void closeEndsWithinTheCloseTimeoutWhenThePeerNeverReads() throws Exception {
    SocketOptions opts = options(SendMode.ZEROCOPY).withBuffers(16 * 1024, 16 * 1024)
        .withCloseTimeout(Duration.ofMillis(500), Duration.ofMillis(500));
    try (Peer peer = transport().open(kit(), opts)) {
      TestProbe<SendReply> outcomes = kit().createTestProbe();
      TestProbe<Event> closer = kit().createTestProbe();
      int n = 64;
      sendStream(peer.zw, n, 64 * 1024, outcomes);
      peer.zw.tell(new SocketProtocol.Close(closer.getRef()));
      Outcomes o = new Outcomes();
      o.awaitAll(outcomes, n, Duration.ofSeconds(20));
      Closed closed = closer.expectMessageClass(Closed.class, Duration.ofSeconds(20));
      assertTrue(closed.how().contains("reset after close-timeout"), closed.how());
      assertTrue(o.count(Failed.class) > 0, "what the peer never took failed");
      for (SendOutcome out : o.byId.values()) {
        if (out instanceof Failed f) {
          assertFalse(f.withheld(), "the reset let the kernel give every buffer back: " + f);
          assertTrue(f.reason().contains("close-timeout"), f.reason());
        }
      }
      assertEquals(n, closed.stats().released() + closed.stats().failed());
      outcomes.expectNoMessage(Duration.ofMillis(100));
    }
  }

  /**
   * A peer that reads but never ends its stream: ConfirmedClose fails after close-timeout; Close
   * ends there too, without a reset, since every Send was released.
   */
  @ParameterizedTest(name = "confirmed = {0}")
  @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
  default void aPeerThatNeverEndsItsStreamBoundsTheClose(boolean confirmed) throws Exception {
    SocketOptions opts = options(SendMode.ADAPTIVE).withCloseTimeout(Duration.ofMillis(400), Duration.ofMillis(500));
    try (Peer peer = transport().open(kit(), opts)) {
      peer.closeOnEof = false;
      peer.startReading(SocketContract::streamByte, 64 * 1024, 0);
      TestProbe<SendReply> outcomes = kit().createTestProbe();
      TestProbe<Event> closer = kit().createTestProbe();
      int n = 10;
      sendStream(peer.zw, n, 4096, outcomes);
      peer.zw.tell(confirmed ? new SocketProtocol.ConfirmedClose(closer.getRef()) : new SocketProtocol.Close(closer.getRef()));
      Outcomes o = new Outcomes();
      o.awaitAll(outcomes, n, Duration.ofSeconds(20));
      assertEquals(n, o.count(Released.class), "everything was written and taken before the timeout");
      Closed closed = closer.expectMessageClass(Closed.class, Duration.ofSeconds(20));
      assertEquals(confirmed ? "failed: no end of stream from the peer within close-timeout"
          : "closed (no end of stream from the peer within close-timeout)", closed.how());
      peer.awaitBytes(n * 4096L, Duration.ofSeconds(10));
      assertEquals(0, peer.corrupt.get());
    }
  }

  /** keep-open-on-peer-closed: the peer's end of stream is an event, and we go on sending. */
  @Test
  default void halfCloseKeepsSendingAfterThePeerEndsItsStream() throws Exception {
    try (Peer peer = transport().open(kit(), options(SendMode.ADAPTIVE))) {
      writeStream(peer.socket, 1, 1000);
      peer.socket.shutdownOutput();
      TestProbe<Event> handler = kit().createTestProbe();
      peer.zw.tell(new SocketProtocol.Register(handler.getRef()).withKeepOpenOnPeerClosed());
      long got = 0;
      while (got < 1000) {
        got += handler.expectMessageClass(Received.class, Duration.ofSeconds(10)).data().length;
      }
      assertNotNull(handler.expectMessageClass(PeerClosed.class, Duration.ofSeconds(10)));
      handler.expectNoMessage(Duration.ofMillis(200)); // still open
      peer.startReading(SocketContract::streamByte, 64 * 1024, 0);
      TestProbe<SendReply> outcomes = kit().createTestProbe();
      sendStream(peer.zw, 10, 4096, outcomes);
      Outcomes o = new Outcomes();
      o.awaitAll(outcomes, 10, Duration.ofSeconds(20));
      assertEquals(10, o.count(Released.class));
      peer.awaitBytes(10 * 4096L, Duration.ofSeconds(10));
      peer.zw.tell(new SocketProtocol.Close(null));
      Closed closed = handler.expectMessageClass(Closed.class, Duration.ofSeconds(10));
      assertEquals("closed", closed.how());
      peer.awaitEof(Duration.ofSeconds(10));
      assertFalse(peer.reset);
    }
  }

  // ------------------------------------------------------------------------------- helpers

  private static Event poll(TestProbe<Event> probe) {
    try {
      return probe.receiveMessage(Duration.ofMillis(100));
    } catch (AssertionError timeout) {
      return null;
    }
  }

  /** Writes stream bytes [0, n*size) from the peer in {@code n} sends, waiting out EAGAIN. */
  private static void writeStream(NativeSocket s, int n, int size) throws Exception {
    NativeBuffer b = NativeBuffer.allocate(n * size);
    try {
      SocketContract.fillStream(b, n * size, 0);
      for (int k = 0; k < n; k++) {
        PlainPeer.writeAll(s, b, k * size, size);
      }
    } finally {
      b.release();
    }
  }
}
