package dev.zerowire.blight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerowire.actors.ZeroWire;
import dev.zerowire.blight.BlightProtocol.ClientClosed;
import dev.zerowire.blight.BlightProtocol.ClientFault;
import dev.zerowire.blight.BlightTestSupport.Client;
import dev.zerowire.blight.BlightTestSupport.RawPeer;
import dev.zerowire.blight.BlightTestSupport.RawServer;
import dev.zerowire.blight.BlightTestSupport.Transport;
import dev.zerowire.nativeio.NativeBuffer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 9, break 4: a client facing a stalled server gives up after its stall timeout, and every
 * request it took gets its outcome. The servers are raw sockets that stop reading or stop acking.
 */
class BlightClientStallTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final Duration LONG = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  static BlightSettings stallingAfter(Duration stall) {
    return BlightSettings.defaults().withLimits(BlightLimits.defaults().withStallTimeout(stall));
  }

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = {"TCP4", "UNIX"})
  void aServerThatStopsReadingFailsTheConnectionAndEveryRequestGetsItsOutcome(Transport t) throws IOException {
    try (RawServer raw = new RawServer(t, dir)) {
      Client c = BlightTestSupport.connect(kit, raw.address, stallingAfter(Duration.ofSeconds(2)));
      try (RawPeer server = raw.accept()) { // accepts, then never reads a byte
        TestProbe<BlightLoad.Result> done = kit.createTestProbe();
        // 100 x 1 MiB: far more than the kernel's buffers on either transport
        kit.spawn(BlightLoad.create(c.ref(), BlightLoad.Spec.of(BlightType.REPAINT, 100, 1 << 20).withWindow(8),
            done.getRef()));
        BlightLoad.Result r = done.expectMessageClass(BlightLoad.Result.class, LONG);
        assertFalse(r.ok());
        assertTrue(r.messages() < 100, r.messages() + " messages handed over");
        assertEquals(r.messages(), r.released() + r.failed(), "every request has its outcome: " + r);
        assertTrue(r.failed() > 0);
        ClientFault f = c.await(ClientFault.class);
        assertEquals(BlightProtocolException.Fault.STALLED, f.fault(), f.message());
        ClientClosed closed = c.await(ClientClosed.class);
        assertTrue(closed.how().startsWith("stalled"), closed.how());
      }
    }
  }

  /**
   * A server that floods Pings and never reads the answers: once {@code maxPendingReplies} answers
   * are owed the client stops reading, so the kernel pushes back on the server (its writes stop
   * being taken), instead of the client holding every answer it cannot write (thousands per 64 KiB
   * read) until its stall timeout; the stall timeout then ends it as for any server that stops
   * reading.
   */
  @ParameterizedTest
  @EnumSource(value = Transport.class, names = {"TCP4", "UNIX"})
  void aServerThatFloodsPingsAndNeverReadsIsPushedBack(Transport t) throws Exception {
    try (RawServer raw = new RawServer(t, dir)) {
      Client c = BlightTestSupport.connect(kit, raw.address, BlightSettings.defaults().withLimits(
          BlightLimits.defaults().withMaxPendingReplies(64).withStallTimeout(Duration.ofSeconds(3))));
      try (RawPeer server = raw.accept()) { // writes Pings, never reads
        ByteBuffer pings = ByteBuffer.allocate(BlightHeader.SIZE * 5000);
        for (int k = 1; pings.hasRemaining(); k++) {
          byte[] h = new byte[BlightHeader.SIZE];
          BlightEncoder.header(BlightType.PING, k, 0).encode(h, 0);
          pings.put(h);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        long refusedSince = 0;
        while (true) {
          if (!pings.hasRemaining()) {
            pings.flip();
          }
          long now = System.nanoTime();
          if (server.channel.write(pings) > 0) {
            refusedSince = 0;
          } else if (refusedSince == 0) {
            refusedSince = now;
          } else if (now - refusedSince > Duration.ofMillis(300).toNanos()) {
            break; // the client stopped reading: its buffers and ours are full
          } else {
            Thread.sleep(1);
          }
          assertTrue(now < deadline, "the client kept reading Pings it could not answer for 20 s");
        }
        ClientFault f = c.await(ClientFault.class);
        assertEquals(BlightProtocolException.Fault.STALLED, f.fault(), f.message());
        Matcher owed = Pattern.compile("(\\d+) send\\(s\\) without outcome")
            .matcher(f.message());
        assertTrue(owed.find(), f.message());
        // The bound, plus the Pings of the read that reached it and of the one already asked for
        // (64 KiB reads: 5,461 Pings each). Without the bound: 85,000 (Unix) to 1,900,000 (TCP).
        assertTrue(Long.parseLong(owed.group(1)) <= 64 + 2 * 5461, f.message());
        c.await(ClientClosed.class);
      }
    }
  }

  /**
   * A client stopped from outside (not closed) while the server does not read: the requests it
   * held back are Rejected and the ack it awaited is lost, at once, each to its caller (the ones
   * the socket took get theirs as it closes: the next test).
   */
  @Test
  void aClientStoppedFromOutsideGivesBackWhatNeverReachedTheSocket() throws Exception {
    try (RawServer raw = new RawServer(Transport.UNIX, dir)) {
      Client c = BlightTestSupport.connect(kit, raw.address, BlightSettings.defaults().withMaxMessageSize(1 << 20)
          .withSocketOptions(ZeroWire.get(kit.system()).defaultOptions()
              .withLimits(4 << 20, 32L << 20))); // the queue bound is raised to fit one largest message
      try (RawPeer server = raw.accept()) { // never reads
        TestProbe<BlightProtocol.ClientReply> replies = kit.createTestProbe();
        List<NativeBuffer> owned = new ArrayList<>();
        List<BlightProtocol.Request> batch = new ArrayList<>();
        NativeBuffer id = NativeBuffer.allocate(2);
        owned.add(id);
        batch.add(BlightProtocol.Request.of(BlightType.INFO, id, 0, replies.getRef())); // awaits its ack
        for (int k = 1; k <= 16; k++) { // 16 MiB behind a 4 MiB queue bound: most are held back
          NativeBuffer b = NativeBuffer.allocate(1 << 20);
          owned.add(b);
          batch.add(BlightProtocol.Request.of(BlightType.REPAINT, b, k, replies.getRef()));
        }
        c.ref().tell(new BlightProtocol.Requests(batch));
        assertTrue(replies.receiveMessage(Duration.ofSeconds(10)) instanceof BlightProtocol.Sent, "the Info left");
        kit.stop(c.ref());
        int rejected = 0;
        boolean lost = false;
        while (!lost || rejected < 8) {
          BlightProtocol.ClientReply m = replies.receiveMessage(Duration.ofSeconds(10));
          switch (m) {
            case BlightProtocol.RequestOutcomes b -> rejected += (int) b.outcomes().stream()
                .filter(o -> o instanceof BlightProtocol.Rejected r && r.reason().contains("was stopped")).count();
            case BlightProtocol.Rejected r -> {
              assertTrue(r.reason().contains("was stopped"), r.reason());
              rejected++;
            }
            case BlightProtocol.AckLost a -> {
              assertEquals(0, a.correlationId());
              lost = true;
            }
            default -> { }
          }
        }
        assertTrue(rejected >= 8 && rejected <= 16, rejected + " held Repaints given back");
      }
    }
  }

  /**
   * A client stopped from outside while its socket holds requests the server has not read yet:
   * each of them still gets its one outcome, from the socket as it closes (before, the outcomes
   * went to the stopped client's dead letters and the callers never heard of those requests, nor
   * got their payloads back). The server then reads everything ({@code drain}: each request the
   * socket took is Sent, and arrived whole) or hangs up (each is Sent or SendFailed); the ones the
   * client held back are Rejected at once, as before.
   */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void aClientStoppedFromOutsideStillAnswersWhatItsSocketTook(boolean drain) throws Exception {
    try (RawServer raw = new RawServer(Transport.UNIX, dir)) {
      StoppedClient c = stopWithRequestsInItsSocket(raw);
      try (RawPeer server = c.server()) {
        if (drain) {
          server.awaitEof(); // everything the socket took, then its FIN
        } else {
          server.close(); // hangs up with the rest unread
        }
        c.checkOutcomes(drain);
      }
    }
  }

  /**
   * Two clients stopped at once: each successor hears every outcome told to a stopped client's
   * adapter (Pekko does not say whose it was) and must answer only its own client's callers;
   * answering the other's (same correlation ids: both outboxes count from 1) would give a caller
   * a second outcome or a wrong one.
   */
  @Test
  void twoClientsStoppedAtOnceEachAnswerOnlyTheirOwnCallers() throws Exception {
    try (RawServer raw1 = new RawServer(Transport.UNIX, dir); RawServer raw2 = new RawServer(Transport.UNIX, dir)) {
      StoppedClient a = stopWithRequestsInItsSocket(raw1);
      StoppedClient b = stopWithRequestsInItsSocket(raw2);
      try (RawPeer s1 = a.server(); RawPeer s2 = b.server()) {
        s1.awaitEof();
        s2.awaitEof();
        a.checkOutcomes(true);
        b.checkOutcomes(true);
      }
    }
  }

  /** A client whose socket holds requests the server has not read, stopped from outside. */
  private StoppedClient stopWithRequestsInItsSocket(RawServer raw) throws Exception {
    Client c = BlightTestSupport.connect(kit, raw.address, BlightSettings.defaults().withMaxMessageSize(1 << 20)
        .withSocketOptions(ZeroWire.get(kit.system()).defaultOptions().withLimits(4 << 20, 32L << 20)));
    RawPeer server = raw.accept(); // reads nothing until the client is stopped
    TestProbe<BlightProtocol.ClientReply> replies = kit.createTestProbe();
    List<BlightProtocol.Request> batch = new ArrayList<>();
    for (int k = 1; k <= 16; k++) { // 16 MiB behind a 4 MiB queue bound: the socket takes about 4
      batch.add(BlightProtocol.Request.of(BlightType.REPAINT, NativeBuffer.allocate(1 << 20), k, replies.getRef()));
    }
    c.ref().tell(new BlightProtocol.Requests(batch));
    TestProbe<BlightProtocol.ClientStats> stats = kit.createTestProbe();
    long deadline = System.nanoTime() + LONG.toNanos();
    do { // until the socket has taken some: written what the kernel takes, queued the rest
      c.ref().tell(new BlightProtocol.GetClientStats(stats.getRef()));
    } while (stats.receiveMessage(LONG).socket().sends() == 0 && System.nanoTime() < deadline);
    kit.stop(c.ref());
    return new StoppedClient(server, replies);
  }

  private record StoppedClient(RawPeer server, TestProbe<BlightProtocol.ClientReply> replies) {
    /**
     * Each of the 16 requests got exactly one outcome, from the socket (none given up on):
     * Rejected if held back, else (after {@code drained}) Sent and arrived whole.
     */
    void checkOutcomes(boolean drained) throws IOException {
      Map<Long, BlightProtocol.RequestOutcome> outcomes = new HashMap<>();
      while (outcomes.size() < 16) {
        List<BlightProtocol.RequestOutcome> got = switch (replies.receiveMessage(LONG)) {
          case BlightProtocol.RequestOutcomes b -> b.outcomes();
          case BlightProtocol.RequestOutcome o -> List.of(o);
          default -> List.of();
        };
        for (BlightProtocol.RequestOutcome o : got) {
          assertEquals(null, outcomes.put(o.correlationId(), o), "a second outcome for request " + o.correlationId());
        }
      }
      long held = outcomes.values().stream()
          .filter(o -> o instanceof BlightProtocol.Rejected r && r.reason().contains("was stopped")).count();
      long sent = outcomes.values().stream().filter(o -> o instanceof BlightProtocol.Sent).count();
      assertTrue(held < 16, "the socket took some before the stop: " + outcomes.values());
      assertTrue(outcomes.values().stream().noneMatch(o -> o instanceof BlightProtocol.SendFailed f && f.withheld()),
          "every outcome came from the socket, none from giving up on it: " + outcomes.values());
      if (drained) {
        assertEquals(16 - held, sent, "every request the socket took was written: " + outcomes.values());
        assertEquals(sent, server.frames().size(), "each Sent request arrived whole");
      }
      replies.expectNoMessage(Duration.ofMillis(200)); // and nothing twice
      outcomes.values().forEach(o -> o.payload().release()); // given back: the caller's to free
    }
  }

  @Test
  void aServerThatReadsButNeverAcksEndsAwaitedRequestsAfterTheStallTimeout() throws Exception {
    try (RawServer raw = new RawServer(Transport.UNIX, dir)) {
      Client c = BlightTestSupport.connect(kit, raw.address, stallingAfter(Duration.ofSeconds(2)));
      try (RawPeer server = raw.accept()) {
        AtomicBoolean stop = new AtomicBoolean();
        Thread reader = Thread.ofVirtual().start(() -> { // reads everything, answers nothing
          ByteBuffer b = ByteBuffer.allocate(65536);
          try {
            while (!stop.get() && server.channel.read(b.clear()) >= 0) {
              Thread.sleep(5);
            }
          } catch (IOException | InterruptedException e) {
            // the client reset the connection: done
          }
        });
        TestProbe<BlightLoad.Result> done = kit.createTestProbe();
        // Info is awaited one at a time; with a 500 ms ack timeout, 1000 of them would take 500 s.
        kit.spawn(BlightLoad.create(c.ref(), BlightLoad.Spec.of(BlightType.INFO, 1000, 2)
            .withAckTimeout(Duration.ofMillis(500)), done.getRef()));
        BlightLoad.Result r = done.expectMessageClass(BlightLoad.Result.class, LONG);
        stop.set(true);
        reader.join(LONG.toMillis());
        assertTrue(r.messages() < 1000, r.messages() + " messages handed over");
        assertEquals(r.messages(), r.released() + r.failed(), "every request has its outcome: " + r);
        // every request that left awaits an ack reply; one rejected on the way in (the client was
        // already failing) gets none, by the protocol's contract
        long ackReplies = r.acksAwaited() + r.ackTimeouts() + r.acksLost();
        assertTrue(ackReplies >= r.released() && ackReplies <= r.messages(), "every awaited ack has its reply: " + r);
        assertTrue(r.acksLost() > 0, "the stall ended the wait: " + r);
        assertEquals(0, r.acksAwaited());
        ClientClosed closed = c.await(ClientClosed.class);
        assertTrue(closed.how().startsWith("stalled"), closed.how());
      }
    }
  }
}
