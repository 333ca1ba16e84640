package dev.zerowire.blight;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerowire.actors.SocketOptions;
import dev.zerowire.actors.SocketProtocol;
import dev.zerowire.actors.SocketProtocol.Send;
import dev.zerowire.nativeio.NativeBuffer;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The outbox against a probe standing in for the socket actor. */
class OutboxTest {
  static final ActorTestKit kit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  static byte[] bytes(NativeBuffer b) {
    byte[] out = new byte[b.length()];
    b.get(0, out, 0, out.length);
    return out;
  }

  /** The socket's queue bounds, one of them tight: {@code bytes} (others the defaults). */
  static SocketOptions boundedBytes(long bytes) {
    return SocketOptions.defaults().withLimits(bytes, 32L << 20);
  }

  /** The same, with the bound on Sends without outcome tight. */
  static SocketOptions boundedSends(int sends) {
    return SocketOptions.defaults().withMaxQueuedSends(sends);
  }

  /** The bound is two messages: by their bytes, or by their count (max-queued-sends). */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void headerAndPayloadLeaveAsOneSendOfTwoBuffersInSubmitOrderWithinTheBoundAtTheFlush(boolean byBytes) {
    TestProbe<SocketProtocol.Command> socket = kit.createTestProbe();
    TestProbe<SocketProtocol.SendReply> replies = kit.createTestProbe();
    long message = BlightHeader.SIZE + 100;
    SocketOptions bound = byBytes ? boundedBytes(2 * message) : boundedSends(2);
    Outbox out = new Outbox(socket.getRef(), replies.getRef(), bound);
    NativeBuffer[] payloads = new NativeBuffer[3];
    for (int k = 0; k < 3; k++) {
      payloads[k] = NativeBuffer.allocate(100);
      payloads[k].put(0, TestPattern.payload(k + 1, 100), 0, 100);
      out.submit(BlightEncoder.header(BlightType.REPAINT, k + 1, 100), null, payloads[k], "m" + (k + 1));
    }
    socket.expectNoMessage(Duration.ofMillis(50)); // nothing leaves before the flush
    out.flush();
    List<Send> both = socket.expectMessageClass(SocketProtocol.Sends.class).sends(); // two written: one message
    assertEquals(2, both.size());
    Send s1 = both.get(0);
    Send s2 = both.get(1);
    out.flush();
    socket.expectNoMessage(Duration.ofMillis(50)); // the third waits: the bound is two messages
    assertTrue(out.hasHeld());
    assertEquals(2, s1.buffers().size());
    assertEquals(BlightHeader.SIZE, s1.buffers().get(0).length());
    assertArrayEquals(BlightEncoder.encodeHeader(BlightType.REPAINT, 1, 100), bytes(s1.buffers().get(0)));
    assertSame(payloads[0], s1.buffers().get(1));
    assertArrayEquals(BlightEncoder.encodeHeader(BlightType.REPAINT, 2, 100), bytes(s2.buffers().get(0)));

    Outbox.Pending p = out.complete(new SocketProtocol.Released(s1.correlationId(), s1.buffers(), true));
    assertEquals("m1", p.tag);
    out.flush();
    Send s3 = socket.expectMessageClass(Send.class); // one written: a Send alone
    assertArrayEquals(BlightEncoder.encodeHeader(BlightType.REPAINT, 3, 100), bytes(s3.buffers().get(0)));
    assertFalse(out.hasHeld());
    assertEquals(null, out.complete(new SocketProtocol.Released(999, List.of(), true)), "unknown outcome");

    List<Outbox.Pending> gone = out.socketGone(false);
    assertEquals(List.of("m2", "m3"), gone.stream().map(x -> x.tag).toList());
    assertEquals(0, out.close());
    for (NativeBuffer b : payloads) {
      b.release();
    }
  }

  @Test
  void ackDataIsFramedWithTheHeaderInOneBufferEvenWhenItExceedsASlot() {
    TestProbe<SocketProtocol.Command> socket = kit.createTestProbe();
    Outbox out = new Outbox(socket.getRef(), kit.<SocketProtocol.SendReply>createTestProbe().getRef(), boundedBytes(1 << 20));
    byte[] info = BlightHandlers.DEFAULT_SURFACE.encode();
    out.submit(BlightEncoder.header(BlightType.ACK, 7, info.length), info, null, "info");
    out.flush();
    Send s = socket.expectMessageClass(Send.class);
    assertEquals(1, s.buffers().size());
    assertArrayEquals(BlightEncoder.ack(7, info), bytes(s.buffers().get(0)));

    byte[] big = new byte[1000];
    java.util.Arrays.fill(big, (byte) 5);
    out.submit(BlightEncoder.header(BlightType.ACK, 8, big.length), big, null, "list");
    out.flush();
    Send b = socket.expectMessageClass(Send.class);
    assertArrayEquals(BlightEncoder.ack(8, big), bytes(b.buffers().get(0)));
    out.complete(new SocketProtocol.Released(s.correlationId(), s.buffers(), true));
    out.complete(new SocketProtocol.Released(b.correlationId(), b.buffers(), true));
    assertTrue(out.idle());
    assertEquals(0, out.close());
  }

  @Test
  void aBurstsHeaderPagesAreFreedWhenTheOutboxGoesIdle() {
    TestProbe<SocketProtocol.Command> socket = kit.createTestProbe();
    Outbox out = new Outbox(socket.getRef(), kit.<SocketProtocol.SendReply>createTestProbe().getRef(), boundedBytes(1 << 20));
    int burst = 10 * HeaderPool.SLOTS_PER_CHUNK; // acks queued to a client that reads slowly
    for (int k = 1; k <= burst; k++) {
      out.submit(BlightEncoder.header(BlightType.ACK, k, 0), null, null, k);
    }
    assertEquals(10, out.headerChunks());
    out.flush();
    List<Send> sends = new java.util.ArrayList<>();
    while (sends.size() < burst) { // pieces of HAND_OFF_AT, in submit order (the socket writes one while the next is framed)
      List<Send> piece = socket.expectMessageClass(SocketProtocol.Sends.class).sends();
      assertEquals(Outbox.HAND_OFF_AT, piece.size(), "a burst leaves in pieces");
      sends.addAll(piece);
    }
    for (int k = 1; k < burst; k++) {
      assertTrue(sends.get(k).correlationId() > sends.get(k - 1).correlationId(), "in submit order");
    }
    socket.expectNoMessage(java.time.Duration.ofMillis(50)); // and nothing more: the last piece was full
    for (int k = 0; k < burst - 1; k++) {
      Send s = sends.get(k);
      out.complete(new SocketProtocol.Released(s.correlationId(), s.buffers(), true));
    }
    assertEquals(10, out.headerChunks(), "not idle yet: nothing is trimmed while a send is out");
    Send last = sends.get(burst - 1);
    out.trimIfIdle();
    assertEquals(10, out.headerChunks(), "not idle yet: nothing is trimmed while a send is out");
    out.complete(new SocketProtocol.Released(last.correlationId(), last.buffers(), true));
    assertTrue(out.idle());
    assertEquals(10, out.headerChunks(), "kept until the owner's tick: a stream's next batch reuses them");
    out.trimIfIdle();
    assertEquals(Outbox.IDLE_CHUNKS, out.headerChunks(), "idle at the tick: the burst's pages are freed, one kept");
    assertEquals(0, out.close());
  }

  @Test
  void whatTheOwnerTellsTheSocketLeavesAfterTheWritesBeforeIt() {
    TestProbe<SocketProtocol.Command> socket = kit.createTestProbe();
    Outbox out = new Outbox(socket.getRef(), kit.<SocketProtocol.SendReply>createTestProbe().getRef(), boundedBytes(1 << 20));
    out.submit(BlightEncoder.header(BlightType.PING, 1, 0), null, null, "ping");
    out.tell(new SocketProtocol.Close(null));
    Send s = socket.expectMessageClass(Send.class);
    socket.expectMessageClass(SocketProtocol.Close.class);
    out.flush();
    socket.expectNoMessage(Duration.ofMillis(50)); // told once
    out.complete(new SocketProtocol.Released(s.correlationId(), s.buffers(), true));
    assertTrue(out.idle());
    assertEquals(0, out.close());
  }
}
