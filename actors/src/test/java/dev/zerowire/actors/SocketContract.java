package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.zerowire.actors.SocketProtocol.Failed;
import dev.zerowire.actors.SocketProtocol.Refused;
import dev.zerowire.actors.SocketProtocol.Released;
import dev.zerowire.actors.SocketProtocol.SendOutcome;
import dev.zerowire.actors.SocketProtocol.SendReply;
import dev.zerowire.actors.SocketProtocol.WritingResumed;
import dev.zerowire.nativeio.NativeBuffer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The socket actor's contract, run over each transport by a 10-line subclass (Netty's transport
 * tests and jnr-unixsocket's SocketInteropTest work the same way): real sockets, real kernel; the
 * peer is a plain native socket read on its own thread.
 */
abstract class SocketContract implements CloseContract {
  static ActorTestKit kit;

  public abstract Peer.Transport transport();

  /** Sends in the poison test: the issue asks for 10,000 of 1 B .. 1 MiB. */
  int poisonSends() {
    return 10_000;
  }

  private final List<NativeBuffer> toRelease = new ArrayList<>();

  static void startKit(String name) {
    kit = ActorTestKit.create(name);
  }

  /** A kit whose zerowire dispatcher runs on {@code executor} (zerowire.dispatcher.executor). */
  static void startKit(String name, String executor) {
    kit = ActorTestKit.create(name, com.typesafe.config.ConfigFactory.parseString(
        "zerowire.dispatcher.executor = \"" + executor + "\"").withFallback(com.typesafe.config.ConfigFactory.load()));
  }

  @AfterAll
  static void stopKit() {
    kit.shutdownTestKit();
  }

  @AfterEach
  void releaseBuffers() {
    toRelease.forEach(b -> {
      if (!b.isReleased()) {
        b.release();
      }
    });
    toRelease.clear();
  }

  public SocketOptions options(SendMode mode) {
    return ZeroWire.get(kit.system()).defaultOptions().withMode(mode);
  }

  public NativeBuffer buffer(int size) {
    NativeBuffer b = NativeBuffer.allocate(size);
    toRelease.add(b);
    return b;
  }

  /** Byte {@code p} of every test stream: position-dependent, so a reused or shifted buffer shows. */
  static byte streamByte(long p) {
    return (byte) ((p * 0x9E3779B1L) >>> 27);
  }

  static void fillStream(NativeBuffer b, int length, long streamOffset) {
    ByteBuffer bb = b.byteBuffer();
    for (int i = 0; i < length; i++) {
      bb.put(i, streamByte(streamOffset + i));
    }
  }

  /** Sends stream bytes {@code [0, n*size)} as {@code n} Sends of {@code size}, correlation ids 0..n-1. */
  public void sendStream(ActorRef<SocketProtocol.Command> to, int n, int size, TestProbe<SendReply> probe) {
    sendStream(to, n, size, probe, false);
  }

  /** {@link #sendStream}, the Sends {@link SocketProtocol.Send#batched} when {@code batched}. */
  public void sendStream(ActorRef<SocketProtocol.Command> to, int n, int size, TestProbe<SendReply> probe,
      boolean batched) {
    streamSends(n, size, probe, batched).forEach(to::tell);
  }

  /** {@link #sendStream}, batched Sends told all in one {@link SocketProtocol.Sends}. */
  public void sendStreamInOneMessage(ActorRef<SocketProtocol.Command> to, int n, int size, TestProbe<SendReply> probe) {
    to.tell(new SocketProtocol.Sends(streamSends(n, size, probe, true)));
  }

  private List<SocketProtocol.Send> streamSends(int n, int size, TestProbe<SendReply> probe, boolean batched) {
    NativeBuffer all = buffer(n * size);
    fillStream(all, n * size, 0);
    List<SocketProtocol.Send> sends = new ArrayList<>(n);
    for (int k = 0; k < n; k++) {
      List<NativeBuffer> b = List.of(all.slice(k * size, size));
      sends.add(batched ? SocketProtocol.Send.batched(b, k, probe.getRef()) : new SocketProtocol.Send(b, k, probe.getRef()));
    }
    return sends;
  }

  /** Collects outcomes and checks there is exactly one per correlation id. */
  static final class Outcomes {
    final Map<Long, SendOutcome> byId = new HashMap<>();
    int resumed;
    int messages; // replies received, a batch counting once
    int largest; // outcomes in the largest batch

    void add(SendReply r) {
      messages++;
      if (r instanceof SocketProtocol.SendOutcomes batch) {
        assertTrue(batch.outcomes().size() > 1, "a batch of one should have come alone");
        largest = Math.max(largest, batch.outcomes().size());
        batch.outcomes().forEach(this::addOne);
      } else {
        addOne(r);
      }
    }

    private void addOne(SendReply r) {
      if (r instanceof WritingResumed) {
        resumed++;
        return;
      }
      SendOutcome o = (SendOutcome) r;
      SendOutcome before = byId.put(o.correlationId(), o);
      if (before != null) {
        fail("two outcomes for send " + o.correlationId() + ": " + before + " and " + o);
      }
    }

    long count(Class<?> kind) {
      return byId.values().stream().filter(kind::isInstance).count();
    }

    void awaitAll(TestProbe<SendReply> probe, int n, Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (byId.size() < n) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          fail("only " + byId.size() + " of " + n + " sends got an outcome");
        }
        add(probe.receiveMessage(Duration.ofNanos(left)));
      }
    }
  }

  // ================================================================================== tests

  /**
   * Poison on release: the moment a buffer comes back it is overwritten with garbage and reused;
   * the peer checks every byte. If any buffer came back while the kernel could still read it, the
   * garbage would reach the peer. Zero-copy mode (the copy path on AF_UNIX), small SO_SNDBUF to
   * force partial writes and would-block, sizes log-uniform over 1 B .. 1 MiB.
   */
  @Test
  void poisonOnReleaseNeverCorruptsTheStream() throws Exception {
    long seed = System.nanoTime();
    Random rnd = new Random(seed);
    int n = poisonSends();
    int[] sizes = new int[n];
    long total = 0;
    for (int i = 0; i < n; i++) {
      sizes[i] = Math.max(1, (int) Math.exp(rnd.nextDouble() * Math.log(1 << 20)));
      total += sizes[i];
    }
    // SO_SNDBUF 128 KiB (the kernel doubles it): sends up to 1 MiB need several partial writes.
    // Much smaller stalls loopback TCP on the peer's delayed ACK (one 64 KiB segment in flight).
    SocketOptions opts = options(SendMode.ZEROCOPY).withBuffers(128 * 1024, 0);
    try (Peer peer = transport().open(kit, opts).startReading(SocketContract::streamByte, 256 * 1024, 0)) {
      TestProbe<SendReply> probe = kit.createTestProbe();
      int poolSize = 32;
      Deque<Integer> free = new ArrayDeque<>();
      NativeBuffer[] pool = new NativeBuffer[poolSize];
      for (int i = 0; i < poolSize; i++) {
        pool[i] = buffer(1 << 20);
        free.add(i);
      }
      Map<Long, Integer> slotOf = new HashMap<>();
      Map<Long, Integer> sizeOf = new HashMap<>();
      Outcomes outcomes = new Outcomes();
      byte[] garbage = new byte[1 << 20];
      rnd.nextBytes(garbage);
      long offset = 0;
      for (int k = 0; k < n; k++) {
        while (free.isEmpty()) {
          SendReply r = probe.receiveMessage(Duration.ofSeconds(30));
          outcomes.add(r);
          SendOutcome o = (SendOutcome) r;
          assertTrue(o instanceof Released, "seed " + seed + ": " + o);
          int slot = slotOf.remove(o.correlationId());
          pool[slot].put(0, garbage, 0, sizeOf.remove(o.correlationId())); // poison the moment it is ours again
          free.add(slot);
        }
        int slot = free.poll();
        fillStream(pool[slot], sizes[k], offset);
        offset += sizes[k];
        slotOf.put((long) k, slot);
        sizeOf.put((long) k, sizes[k]);
        peer.zw.tell(new SocketProtocol.Send(List.of(pool[slot].slice(0, sizes[k])), k, probe.getRef()));
      }
      outcomes.awaitAll(probe, n, Duration.ofSeconds(60));
      assertEquals(n, outcomes.count(Released.class), "seed " + seed);
      peer.awaitBytes(total, Duration.ofSeconds(60));
      assertEquals(0, peer.corrupt.get(), "corrupt bytes, first at stream offset " + peer.firstCorruptAt + ", seed " + seed);
      SocketStats stats = stats(peer.zw);
      assertEquals(n, stats.released());
      assertEquals(total, stats.bytes());
      if (peer.zeroCopy) {
        assertTrue(stats.zeroCopySends() > 0, "zero copy was used: " + stats);
        assertEquals(stats.zeroCopySends(), stats.copiedCompletions() + idsNotCopied(stats), stats.toString());
      } else {
        assertEquals(0, stats.zeroCopySends(), "the copy path takes no send ids: " + stats);
      }
    }
  }

  private static long idsNotCopied(SocketStats s) {
    return s.zeroCopySends() - s.copiedCompletions(); // loopback copies all; kept general
  }

  public SocketStats stats(ActorRef<SocketProtocol.Command> socket) {
    TestProbe<SocketStats> p = kit.createTestProbe();
    socket.tell(new SocketProtocol.GetStats(p.getRef()));
    return p.receiveMessage(Duration.ofSeconds(10));
  }

  /** Many small sends told in one burst leave in far fewer sendmsg calls (gathered). */
  @Test
  void smallSendsInABurstAreGathered() throws Exception {
    try (Peer peer = transport().open(kit, options(SendMode.ADAPTIVE))) {
      smallSendsAreGatheredInOrder(peer, false);
    }
  }

  /**
   * 2,000 Sends of 36 bytes, told one by one or in one {@link SocketProtocol.Sends}: every one
   * Released once, every byte in order at the peer, far fewer sendmsg calls than Sends.
   */
  private Outcomes smallSendsAreGatheredInOrder(Peer peer, boolean inOneMessage) throws Exception {
    peer.startReading(SocketContract::streamByte, 65536, 0);
    TestProbe<SendReply> probe = kit.createTestProbe();
    int n = 2000;
    if (inOneMessage) {
      sendStreamInOneMessage(peer.zw, n, 36, probe);
    } else {
      sendStream(peer.zw, n, 36, probe);
    }
    Outcomes outcomes = new Outcomes();
    outcomes.awaitAll(probe, n, Duration.ofSeconds(30));
    assertEquals(n, outcomes.count(Released.class));
    peer.awaitBytes(36L * n, Duration.ofSeconds(30));
    assertEquals(0, peer.corrupt.get(), "corrupt bytes, first at stream offset " + peer.firstCorruptAt);
    SocketStats stats = stats(peer.zw);
    assertTrue(stats.sendCalls() <= n / 4, n + " small sends took " + stats.sendCalls() + " sendmsg calls");
    assertEquals(n, stats.sends());
    probe.expectNoMessage(Duration.ofMillis(100)); // nothing twice
    return outcomes;
  }

  /**
   * gather-bytes: a Send longer than it leaves in several sendmsg calls, none over it, and every
   * byte arrives once, in order; zero-copy mode, so on TCP the pieces take send ids of their own
   * and a Send is released only after its last one completed.
   */
  @Test
  void sendsLongerThanGatherBytesLeaveInPiecesWhole() throws Exception {
    int cap = 64 * 1024;
    try (Peer peer = transport().open(kit, options(SendMode.ZEROCOPY).withGatherBytes(cap))) {
      peer.startReading(SocketContract::streamByte, 256 * 1024, 0);
      TestProbe<SendReply> probe = kit.createTestProbe();
      int n = 8;
      int size = (1 << 20) + 1;
      sendStream(peer.zw, n, size, probe);
      Outcomes outcomes = new Outcomes();
      outcomes.awaitAll(probe, n, Duration.ofSeconds(30));
      assertEquals(n, outcomes.count(Released.class));
      peer.awaitBytes((long) n * size, Duration.ofSeconds(30));
      assertEquals(0, peer.corrupt.get(), "corrupt bytes, first at stream offset " + peer.firstCorruptAt);
      SocketStats stats = stats(peer.zw);
      assertTrue(stats.sendCalls() >= (long) n * size / cap, "8 MiB in " + stats.sendCalls() + " calls of at most 64 KiB");
      if (peer.zeroCopy) {
        assertEquals(stats.sendCalls(), stats.zeroCopySends(), "every piece went zero copy: " + stats);
      }
    }
  }

  /** Send.batched: the outcomes of a burst share messages, and each Send still has exactly one. */
  @Test
  void batchedSendsShareOutcomeMessagesOneOutcomeEach() throws Exception {
    try (Peer peer = transport().open(kit, options(SendMode.ADAPTIVE))) {
      peer.startReading(SocketContract::streamByte, 65536, 0);
      TestProbe<SendReply> probe = kit.createTestProbe();
      int n = 2000;
      sendStream(peer.zw, n, 36, probe, true);
      Outcomes outcomes = new Outcomes();
      outcomes.awaitAll(probe, n, Duration.ofSeconds(30));
      assertEquals(n, outcomes.count(Released.class));
      assertTrue(outcomes.messages <= n / 4, n + " batched sends took " + outcomes.messages + " outcome messages");
      peer.awaitBytes(36L * n, Duration.ofSeconds(30));
      assertEquals(0, peer.corrupt.get());
      probe.expectNoMessage(Duration.ofMillis(100)); // nothing twice
    }
  }

  /**
   * Sends: many Sends in one message leave in order (the peer checks every byte), gathered, each
   * with exactly one outcome; an invalid one among them is refused alone and the rest go on.
   */
  @Test
  void sendsInOneMessageLeaveInOrderWithOneOutcomeEach() throws Exception {
    try (Peer peer = transport().open(kit, options(SendMode.ADAPTIVE))) {
      int n = 2000;
      Outcomes outcomes = smallSendsAreGatheredInOrder(peer, true);
      assertTrue(outcomes.messages <= n / 4, n + " sends in one message took " + outcomes.messages + " outcome messages");
      assertTrue(outcomes.largest <= SocketOptions.defaults().gatherLimit(), "a loop's outcomes leave as its sendmsg calls "
          + "finish (SocketActor.RELEASE_EARLY_AT), not all at its end: " + outcomes.largest + " in one message");
      TestProbe<SendReply> probe = kit.createTestProbe();
      NativeBuffer ok = buffer(100);
      fillStream(ok, 100, 36L * n);
      peer.zw.tell(new SocketProtocol.Sends(List.of(
          new SocketProtocol.Send(List.of(), n, probe.getRef()),
          SocketProtocol.Send.of(ok, n + 1, probe.getRef()))));
      Refused bad = probe.expectMessageClass(Refused.class, Duration.ofSeconds(10));
      assertEquals(n, bad.correlationId());
      assertEquals(SocketProtocol.RefusalKind.INVALID, bad.kind());
      assertTrue(bad.reason().contains("no buffers"), bad.reason());
      assertEquals(n + 1, probe.expectMessageClass(Released.class, Duration.ofSeconds(10)).correlationId());
      peer.awaitBytes(36L * n + 100, Duration.ofSeconds(10));
      assertEquals(0, peer.corrupt.get());
      probe.expectNoMessage(Duration.ofMillis(100)); // nothing twice
    }
  }

  /**
   * A Sends past the queue bound: the Sends up to the bound are taken, every one after is refused
   * for room (none taken after a refused one: the stream keeps no gaps out of order), and
   * WritingResumed follows once the peer reads.
   */
  @Test
  void aSendsPastTheQueueBoundIsRefusedFromThere() throws Exception {
    SocketOptions opts = options(SendMode.ZEROCOPY).withLimits(512 * 1024, 32L << 20).withBuffers(16 * 1024, 16 * 1024);
    try (Peer peer = transport().open(kit, opts)) {
      TestProbe<SendReply> probe = kit.createTestProbe();
      int n = 200;
      int size = 64 * 1024;
      sendStreamInOneMessage(peer.zw, n, size, probe); // the peer is not reading
      Outcomes outcomes = new Outcomes();
      while (outcomes.count(Refused.class) == 0) {
        outcomes.add(probe.receiveMessage(Duration.ofSeconds(10)));
      }
      peer.startReading(SocketContract::streamByte, 65536, 0);
      outcomes.awaitAll(probe, n, Duration.ofSeconds(30));
      while (outcomes.resumed == 0) {
        outcomes.add(probe.receiveMessage(Duration.ofSeconds(10)));
      }
      long released = outcomes.count(Released.class);
      assertTrue(released > 0 && released < n, released + " of " + n + " released");
      for (SendOutcome o : outcomes.byId.values()) { // the first `released` ids went, the rest were refused
        assertEquals(o.correlationId() < released, o instanceof Released, "send " + o.correlationId() + ": " + o);
        if (o instanceof Refused r) {
          assertEquals(SocketProtocol.RefusalKind.NO_ROOM, r.kind());
        }
      }
      peer.awaitBytes(released * size, Duration.ofSeconds(30));
      assertEquals(0, peer.corrupt.get(), "the taken sends arrived whole and in order");
    }
  }

  /**
   * max-queued-sends: of many tiny Sends told at once (their bytes far under max-queued-bytes),
   * the socket takes as many as the bound allows and refuses the rest for room; WritingResumed
   * follows once they are written, and what was taken arrives whole and in order.
   */
  @Test
  void tinySendsPastTheSendCountBoundAreRefusedForRoom() throws Exception {
    try (Peer peer = transport().open(kit, options(SendMode.ADAPTIVE).withMaxQueuedSends(64))) {
      peer.startReading(SocketContract::streamByte, 65536, 0);
      TestProbe<SendReply> probe = kit.createTestProbe();
      int n = 200;
      int size = 16;
      sendStreamInOneMessage(peer.zw, n, size, probe);
      Outcomes outcomes = new Outcomes();
      outcomes.awaitAll(probe, n, Duration.ofSeconds(30));
      while (outcomes.resumed == 0) {
        outcomes.add(probe.receiveMessage(Duration.ofSeconds(10)));
      }
      for (SendOutcome o : outcomes.byId.values()) { // one message: nothing was written before the 65th came
        assertEquals(o.correlationId() < 64, o instanceof Released, "send " + o.correlationId() + ": " + o);
        if (o instanceof Refused r) {
          assertEquals(SocketProtocol.RefusalKind.NO_ROOM, r.kind());
          assertTrue(r.reason().contains("64 Sends"), r.reason());
        }
      }
      peer.awaitBytes(64L * size, Duration.ofSeconds(30));
      assertEquals(0, peer.corrupt.get(), "the taken sends arrived whole and in order");
    }
  }

  /**
   * A handler that stops without closing its socket (stopped from outside, or failed): the socket
   * closes itself, gracefully (the peer sees an end of stream, not a reset), instead of keeping
   * its fd with nobody to read or close it.
   */
  @Test
  void aSocketWhoseHandlerStopsClosesItself() throws Exception {
    try (Peer peer = transport().open(kit, options(SendMode.ADAPTIVE))) {
      peer.startReading(SocketContract::streamByte, 65536, 0);
      ActorRef<SocketProtocol.Event> handler = kit.spawn(
          org.apache.pekko.actor.typed.javadsl.Behaviors.<SocketProtocol.Event>ignore());
      peer.zw.tell(new SocketProtocol.Register(handler));
      TestProbe<SocketProtocol.Command> watcher = kit.createTestProbe();
      kit.stop(handler);
      peer.awaitEof(Duration.ofSeconds(10));
      assertTrue(peer.eof && !peer.reset, "an end of stream from the socket (eof " + peer.eof + ", reset "
          + peer.reset + ")");
      watcher.expectTerminated(peer.zw, Duration.ofSeconds(10));
    }
  }

  /**
   * A reset with bytes read and not yet delivered (a pull-mode handler behind on its chunks), and
   * then the handler stops: the socket drops what it can no longer deliver and stops, instead of
   * waiting for ever to deliver it.
   */
  @Test
  void aResetSocketWhoseHandlerStopsWithBytesUndeliveredStillStops() throws Exception {
    try (Peer peer = transport().open(kit, options(SendMode.ADAPTIVE))) {
      TestProbe<SocketProtocol.Event> events = kit.createTestProbe();
      ActorRef<SocketProtocol.Event> handler = kit.spawn(
          org.apache.pekko.actor.typed.javadsl.Behaviors.<SocketProtocol.Event>receive((ctx, ev) -> {
            events.getRef().tell(ev); // takes chunks, never asks for the next
            return org.apache.pekko.actor.typed.javadsl.Behaviors.same();
          }));
      peer.zw.tell(SocketProtocol.Register.pull(handler));
      byte[] chunk = new byte[64 * 1024];
      for (int k = 0; k < 3; k++) {
        PlainPeer.writeAll(peer.socket, chunk);
      }
      events.expectMessageClass(SocketProtocol.Received.class, Duration.ofSeconds(10)); // one chunk, unanswered
      TestProbe<SocketStats> stats = kit.createTestProbe();
      peer.zw.tell(new SocketProtocol.Abort(null));
      peer.zw.tell(new SocketProtocol.GetStats(stats.getRef())); // the Abort is done when this answers
      stats.receiveMessage(Duration.ofSeconds(10));
      kit.stop(handler);
      TestProbe<SocketProtocol.Command> watcher = kit.createTestProbe();
      watcher.expectTerminated(peer.zw, Duration.ofSeconds(10));
    }
  }

  /** After a Close (the peer never ends its side, so the socket stays closing) a Sends is refused whole. */
  @Test
  void aSendsToAClosingSocketIsRefusedWholeOneOutcomeEach() throws Exception {
    try (Peer peer = transport().open(kit, options(SendMode.ADAPTIVE))) {
      peer.zw.tell(new SocketProtocol.Close(null));
      TestProbe<SendReply> late = kit.createTestProbe();
      sendStreamInOneMessage(peer.zw, 10, 100, late);
      Outcomes refused = new Outcomes();
      refused.awaitAll(late, 10, Duration.ofSeconds(10));
      assertEquals(10, refused.count(Refused.class));
      refused.byId.values().forEach(o -> assertEquals(SocketProtocol.RefusalKind.CLOSED, ((Refused) o).kind()));
      assertEquals(1, refused.messages, "the refusals of one Sends travel together");
    }
  }

  /** Close: everything queued is written and released, the peer sees EOF, Closed follows. */
  @Test
  void closeFlushesEverySendThenCloses() throws Exception {
    try (Peer peer = transport().open(kit, options(SendMode.ZEROCOPY))) {
      peer.startReading(SocketContract::streamByte, 65536, 0);
      TestProbe<SendReply> probe = kit.createTestProbe();
      TestProbe<SocketProtocol.Event> closer = kit.createTestProbe();
      int n = 64;
      int size = 48 * 1024;
      sendStream(peer.zw, n, size, probe);
      peer.zw.tell(new SocketProtocol.Close(closer.getRef()));
      Outcomes outcomes = new Outcomes();
      outcomes.awaitAll(probe, n, Duration.ofSeconds(30));
      assertEquals(n, outcomes.count(Released.class));
      SocketProtocol.Closed closed = closer.expectMessageClass(SocketProtocol.Closed.class, Duration.ofSeconds(10));
      assertEquals("closed", closed.how());
      assertEquals(n, closed.stats().released());
      peer.awaitBytes((long) n * size, Duration.ofSeconds(10));
      peer.awaitEof(Duration.ofSeconds(10));
      assertTrue(peer.eof, "the peer saw end of stream");
      assertEquals(0, peer.corrupt.get());
    }
  }

  /** Abort: every queued and in-flight send gets exactly one outcome; none is lost. */
  @Test
  void abortGivesEverySendExactlyOneOutcome() throws Exception {
    abortGivesEverySendExactlyOneOutcome(false, CUT_NEVER);
  }

  /** The same with batched outcomes: the failures of an abort travel together, one per Send. */
  @Test
  void abortGivesEveryBatchedSendExactlyOneOutcome() throws Exception {
    abortGivesEverySendExactlyOneOutcome(true, CUT_NEVER);
  }

  /** The same with every Send cut by gather-bytes: some are half written, in pieces, when the reset comes. */
  @Test
  void abortGivesEverySendCutInPiecesExactlyOneOutcome() throws Exception {
    abortGivesEverySendExactlyOneOutcome(false, CUT_INTO_PIECES);
  }

  /** gather-bytes for the unlucky-peer tests: the default (a 64 KiB Send in one call), or 16 KiB (four). */
  private static final long CUT_NEVER = 1 << 20;
  private static final long CUT_INTO_PIECES = 16 * 1024;

  private void abortGivesEverySendExactlyOneOutcome(boolean batched, long gatherBytes) throws Exception {
    SocketOptions opts = options(SendMode.ZEROCOPY).withBuffers(16 * 1024, 0).withGatherBytes(gatherBytes);
    try (Peer peer = transport().open(kit, opts)) {
      // the peer does not read: sends pile up in the kernel and the queue
      TestProbe<SendReply> probe = kit.createTestProbe();
      TestProbe<SocketProtocol.Event> closer = kit.createTestProbe();
      int n = 200;
      int size = 64 * 1024;
      sendStream(peer.zw, n, size, probe, batched);
      stats(peer.zw); // all Sends processed before the Abort
      peer.zw.tell(new SocketProtocol.Abort(closer.getRef()));
      Outcomes outcomes = new Outcomes();
      outcomes.awaitAll(probe, n, Duration.ofSeconds(30));
      assertTrue(outcomes.count(Failed.class) > 0, "some sends were still queued when aborted");
      for (SendOutcome o : outcomes.byId.values()) {
        if (o instanceof Failed f) {
          assertFalse(f.withheld(), "the kernel gave every buffer back after the reset: " + f);
        }
      }
      SocketProtocol.Closed closed = closer.expectMessageClass(SocketProtocol.Closed.class, Duration.ofSeconds(10));
      assertEquals("aborted", closed.how());
      assertEquals(n, closed.stats().released() + closed.stats().failed());
      probe.expectNoMessage(Duration.ofMillis(200));
    }
  }

  /** The peer goes away mid-stream: every send still gets exactly one outcome. */
  @Test
  void peerClosingMidStreamGivesEverySendExactlyOneOutcome() throws Exception {
    peerClosingMidStreamGivesEverySendExactlyOneOutcome(CUT_NEVER, false);
  }

  /** The same with the whole stream told in one {@link SocketProtocol.Sends}: one outcome each still. */
  @Test
  void peerClosingMidStreamGivesEverySendOfASendsExactlyOneOutcome() throws Exception {
    peerClosingMidStreamGivesEverySendExactlyOneOutcome(CUT_NEVER, true);
  }

  /** The same with every Send cut by gather-bytes: the reset finds Sends half written, in pieces. */
  @Test
  void peerClosingMidStreamGivesEverySendCutInPiecesExactlyOneOutcome() throws Exception {
    peerClosingMidStreamGivesEverySendExactlyOneOutcome(CUT_INTO_PIECES, false);
  }

  private void peerClosingMidStreamGivesEverySendExactlyOneOutcome(long gatherBytes, boolean inOneMessage)
      throws Exception {
    Peer peer = transport().open(kit, options(SendMode.ZEROCOPY).withBuffers(32 * 1024, 0).withGatherBytes(gatherBytes));
    TestProbe<SocketProtocol.Event> handler = kit.createTestProbe();
    peer.zw.tell(new SocketProtocol.Register(handler.getRef()));
    peer.startReading(SocketContract::streamByte, 65536, 0);
    TestProbe<SendReply> probe = kit.createTestProbe();
    int n = 400;
    int size = 64 * 1024;
    if (inOneMessage) {
      sendStreamInOneMessage(peer.zw, n, size, probe);
    } else {
      sendStream(peer.zw, n, size, probe);
    }
    while (peer.received.get() < 2L * size) {
      Thread.sleep(1);
    }
    peer.close(); // with unread data: the kernel resets the connection
    Outcomes outcomes = new Outcomes();
    outcomes.awaitAll(probe, n, Duration.ofSeconds(30));
    assertTrue(outcomes.count(Released.class) >= 2, "what the peer read was released");
    assertTrue(outcomes.count(Failed.class) > 0, "what it never read failed");
    SocketProtocol.Closed closed = handler.fishForMessage(Duration.ofSeconds(10),
        m -> m instanceof SocketProtocol.Closed
            ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
            : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore())
        .stream().map(SocketProtocol.Closed.class::cast).findFirst().orElseThrow();
    // Sends still in the mailbox when the reset arrived are Refused (closing): one outcome each too.
    assertEquals(n, closed.stats().released() + closed.stats().failed() + closed.stats().refused());
    assertEquals(outcomes.count(SocketProtocol.Refused.class), closed.stats().refused());
    assertEquals(0, closed.stats().withheld());
  }

  /** Stopping the socket actor from outside (PostStop) still gives every send its outcome. */
  @Test
  void stoppingTheSocketActorGivesEverySendExactlyOneOutcome() throws Exception {
    ZeroWire zw = ZeroWire.get(kit.system());
    dev.zerowire.nativeio.NativeSocket[] pair = transport() == Peer.Transport.UNIX
        ? dev.zerowire.nativeio.NativeSocket.socketpair(dev.zerowire.nativeio.Kernel.SOCK_STREAM)
        : null;
    try {
      dev.zerowire.nativeio.NativeSocket mine;
      dev.zerowire.nativeio.NativeSocket theirs;
      if (pair != null) {
        mine = pair[0];
        theirs = pair[1];
      } else {
        // a second TCP connection whose zerowire side we own directly
        try (dev.zerowire.nativeio.NativeSocket l = transport() == Peer.Transport.TCP4
            ? dev.zerowire.nativeio.NativeSocket.tcp4() : dev.zerowire.nativeio.NativeSocket.tcp6()) {
          l.bind(new java.net.InetSocketAddress(transport() == Peer.Transport.TCP4 ? "127.0.0.1" : "::1", 0));
          l.listen(1);
          mine = transport() == Peer.Transport.TCP4
              ? dev.zerowire.nativeio.NativeSocket.tcp4() : dev.zerowire.nativeio.NativeSocket.tcp6();
          if (!mine.connect(l.localAddress())) {
            Thread.sleep(50);
            mine.finishConnect();
          }
          dev.zerowire.nativeio.NativeSocket a = null;
          for (int i = 0; i < 200 && a == null; i++) {
            a = l.accept();
            if (a == null) {
              Thread.sleep(5);
            }
          }
          assertNotNull(a);
          theirs = a;
        }
      }
      ActorRef<SocketProtocol.Command> ref = kit.spawn(SocketActor.create(mine, options(SendMode.ZEROCOPY),
          zw.runtime(), null, new SocketActor.OpenListener() {
            @Override public void opened(SocketProtocol.Connected c) {}
            @Override public void failed(Throwable cause) {}
          }));
      TestProbe<SendReply> probe = kit.createTestProbe();
      int n = 100;
      int size = 64 * 1024;
      sendStream(ref, n, size, probe);
      stats(ref);
      kit.stop(ref, Duration.ofSeconds(10));
      Outcomes outcomes = new Outcomes();
      outcomes.awaitAll(probe, n, Duration.ofSeconds(30));
      assertEquals(n, outcomes.byId.size());
      for (SendOutcome o : outcomes.byId.values()) {
        if (o instanceof Failed f) {
          assertFalse(f.withheld(), "the reset let the kernel give every buffer back: " + f);
        }
      }
      assertFalse(mine.isOpen(), "the fd was closed");
      theirs.close();
    } finally {
      if (pair != null) {
        pair[1].close();
      }
    }
  }

  /** Inbound data reaches the handler, and suspend/resume reading holds it back and lets it go. */
  @Test
  void inboundDataAndSuspendResume() throws Exception {
    try (Peer peer = transport().open(kit, options(SendMode.ADAPTIVE))) {
      TestProbe<SocketProtocol.Event> handler = kit.createTestProbe();
      peer.zw.tell(new SocketProtocol.Register(handler.getRef()));
      NativeBuffer out = buffer(1000);
      fillStream(out, 1000, 0);
      writeFromPeer(peer, out, 0, 500);
      assertArrayEquals(expected(0, 500), receive(handler, 500));
      peer.zw.tell(SocketProtocol.SuspendReading.INSTANCE);
      stats(peer.zw); // the suspend is processed
      writeFromPeer(peer, out, 500, 500);
      handler.expectNoMessage(Duration.ofMillis(300));
      peer.zw.tell(SocketProtocol.ResumeReading.INSTANCE);
      assertArrayEquals(expected(500, 500), receive(handler, 500));
    }
  }

  /** Pull mode: one Received, then nothing until the handler asks for more with ResumeReading. */
  @Test
  void pullModeDeliversOneChunkPerResume() throws Exception {
    try (Peer peer = streamWrittenToA1000ByteReader(3000)) { // three reads' worth
      TestProbe<SocketProtocol.Event> handler = kit.createTestProbe();
      peer.zw.tell(SocketProtocol.Register.pull(handler.getRef()));
      java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
      while (got.size() < 3000) {
        SocketProtocol.Received r = handler.expectMessageClass(SocketProtocol.Received.class, Duration.ofSeconds(10));
        got.writeBytes(r.data());
        if (got.size() < 3000) {
          handler.expectNoMessage(Duration.ofMillis(100)); // nothing more until asked
        }
        peer.zw.tell(SocketProtocol.ResumeReading.INSTANCE);
      }
      assertArrayEquals(expected(0, 3000), got.toByteArray());
    }
  }

  /**
   * A pull window of 3: the socket reads up to three chunks ahead of the handler's answers, then
   * nothing more until a ResumeReading answers one; every byte arrives once, in order.
   */
  @Test
  void pullWindowReadsAheadAtMostItsChunks() throws Exception {
    try (Peer peer = streamWrittenToA1000ByteReader(7000)) { // seven reads' worth
      TestProbe<SocketProtocol.Event> handler = kit.createTestProbe();
      org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> SocketProtocol.Register.pull(handler.getRef()).withPullWindow(0));
      peer.zw.tell(SocketProtocol.Register.pull(handler.getRef()).withPullWindow(3));
      java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
      for (int k = 0; k < 3; k++) {
        got.writeBytes(handler.expectMessageClass(SocketProtocol.Received.class, Duration.ofSeconds(10)).data());
      }
      handler.expectNoMessage(Duration.ofMillis(200)); // three unanswered: the window is full
      peer.zw.tell(SocketProtocol.ResumeReading.INSTANCE);
      got.writeBytes(handler.expectMessageClass(SocketProtocol.Received.class, Duration.ofSeconds(10)).data());
      handler.expectNoMessage(Duration.ofMillis(200)); // one answer, one more chunk
      while (got.size() < 7000) {
        peer.zw.tell(SocketProtocol.ResumeReading.INSTANCE);
        got.writeBytes(handler.expectMessageClass(SocketProtocol.Received.class, Duration.ofSeconds(10)).data());
      }
      assertArrayEquals(expected(0, 7000), got.toByteArray());
      for (int k = 0; k < 3; k++) { // answers while nothing is held read nothing and deliver nothing
        peer.zw.tell(SocketProtocol.ResumeReading.INSTANCE);
      }
      handler.expectNoMessage(Duration.ofMillis(100));
      NativeBuffer later = buffer(500);
      fillStream(later, 500, 0);
      writeFromPeer(peer, later, 0, 500); // and data that comes later is read on its edge
      assertArrayEquals(expected(0, 500), receive(handler, 500));
    }
  }

  /**
   * Inbound data reaches the handler while the socket streams zero copy without a pause: the
   * quiet registration (Poller) must not hold a reading socket's EPOLLIN back for as long as
   * completions keep coming (see OpeningTest.aStreamingZeroCopyUdpSocketStillReads for what this
   * can and cannot show on loopback). The stream stops once the bytes arrived, or after 20 s (fail).
   */
  @Test
  void inboundDataArrivesWhileStreamingZeroCopy() throws Exception {
    try (Peer peer = transport().open(kit, options(SendMode.ZEROCOPY))) {
      peer.startReading(i -> 0, 65536, 0); // the same slots go again: only the count matters here
      java.util.concurrent.atomic.AtomicLong got = new java.util.concurrent.atomic.AtomicLong();
      peer.zw.tell(new SocketProtocol.Register(countingHandler(kit, got)));
      TestProbe<SendReply> probe = kit.createTestProbe();
      int slots = 16;
      int size = 64 * 1024;
      NativeBuffer all = buffer(slots * size);
      NativeBuffer hello = buffer(100);
      for (int k = 0; k < slots; k++) {
        peer.zw.tell(new SocketProtocol.Send(List.of(all.slice(k * size, size)), k, probe.getRef()));
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      int outcomes = 0;
      while (got.get() < 100 && System.nanoTime() < deadline) {
        SendReply r = probe.receiveMessage(Duration.ofSeconds(20));
        assertTrue(r instanceof Released, "got " + r);
        int k = (int) ((Released) r).correlationId();
        if (++outcomes == 64) {
          writeFromPeer(peer, hello, 0, 100); // mid-stream
        }
        peer.zw.tell(new SocketProtocol.Send(List.of(all.slice(k * size, size)), k, probe.getRef()));
      }
      assertEquals(100, got.get(), "the peer's 100 bytes waited for the zero-copy stream to stop");
      for (int k = 0; k < slots; k++) { // every slot's last Send has its outcome before the test ends
        assertTrue(probe.receiveMessage(Duration.ofSeconds(20)) instanceof Released);
      }
    }
  }

  /** A handler that adds the size of every Received to {@code got}, from the handler's own thread. */
  static org.apache.pekko.actor.typed.ActorRef<SocketProtocol.Event> countingHandler(ActorTestKit kit,
      java.util.concurrent.atomic.AtomicLong got) {
    return kit.spawn(org.apache.pekko.actor.typed.javadsl.Behaviors.<SocketProtocol.Event>receiveMessage(e -> {
      if (e instanceof SocketProtocol.Received r) {
        got.addAndGet(r.data().length);
      }
      return org.apache.pekko.actor.typed.javadsl.Behaviors.same();
    }));
  }

  /**
   * A pair whose zerowire end reads 1000 bytes per recv, with the first {@code n} bytes of the test
   * stream already written by the peer (pull-mode tests: each read is one chunk).
   */
  private Peer streamWrittenToA1000ByteReader(int n) throws Exception {
    Peer peer = transport().open(kit, options(SendMode.ADAPTIVE).withReadBufferSize(1000));
    try {
      NativeBuffer out = buffer(n);
      fillStream(out, n, 0);
      writeFromPeer(peer, out, 0, n);
      return peer;
    } catch (Exception | AssertionError e) {
      peer.close();
      throw e;
    }
  }

  private static void writeFromPeer(Peer peer, NativeBuffer b, int off, int len) throws Exception {
    dev.zerowire.nativeio.SendVector v = new dev.zerowire.nativeio.SendVector(1);
    try {
      v.add(b, off, len);
      assertEquals(len, peer.socket.send(v, false));
    } finally {
      v.free();
    }
  }

  private static byte[] expected(long from, int len) {
    byte[] e = new byte[len];
    for (int i = 0; i < len; i++) {
      e[i] = streamByte(from + i);
    }
    return e;
  }

  private static byte[] receive(TestProbe<SocketProtocol.Event> handler, int len) {
    java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
    while (got.size() < len) {
      SocketProtocol.Event e = handler.receiveMessage(Duration.ofSeconds(10));
      assertTrue(e instanceof SocketProtocol.Received, "got " + e);
      got.writeBytes(((SocketProtocol.Received) e).data());
    }
    return got.toByteArray();
  }

  private static void assertArrayEquals(byte[] a, byte[] b) {
    assertTrue(Arrays.equals(a, b), "bytes differ");
  }

  /**
   * Lent receive buffers: inbound bytes arrive off-heap and an echo forwards them as they are, no
   * copy on the heap; the pool bounds them: a handler that keeps every buffer gets no more (the
   * socket stops reading) until it releases one.
   */
  @Test
  void lentBuffersEchoWithoutCopiesAndTheirPoolIsBounded() throws Exception {
    int chunks = 4;
    SocketOptions opts = options(SendMode.ADAPTIVE).withReadBufferSize(4096).withReceivePoolChunks(chunks);
    try (Peer peer = transport().open(kit, opts)) {
      TestProbe<SocketProtocol.Event> handler = kit.createTestProbe();
      peer.zw.tell(new SocketProtocol.Register(handler.getRef()).withLentBuffers());
      int total = 256 * 1024;
      NativeBuffer out = buffer(total);
      fillStream(out, total, 0);
      Thread writer = Thread.ofPlatform().start(() -> {
        try {
          int off = 0;
          while (off < total) {
            int n = Math.min(16 * 1024, total - off);
            dev.zerowire.nativeio.SendVector v = new dev.zerowire.nativeio.SendVector(1);
            v.add(out, off, n);
            long w = peer.socket.send(v, false);
            v.free();
            if (w == dev.zerowire.nativeio.NativeSocket.WOULD_BLOCK) {
              Thread.sleep(1);
            } else {
              off += (int) w;
            }
          }
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      // Keep every buffer: after `chunks` of them, nothing more arrives.
      List<SocketProtocol.ReceivedBuffer> held = new ArrayList<>();
      for (int i = 0; i < chunks; i++) {
        held.add(handler.expectMessageClass(SocketProtocol.ReceivedBuffer.class, Duration.ofSeconds(10)));
      }
      handler.expectNoMessage(Duration.ofMillis(300));
      // Echo: forward each buffer as it is; release it on its outcome.
      peer.startReading(SocketContract::streamByte, 64 * 1024, 0);
      TestProbe<SendReply> sends = kit.createTestProbe();
      java.util.ArrayDeque<SocketProtocol.ReceivedBuffer> toEcho = new java.util.ArrayDeque<>(held);
      long echoed = 0;
      long id = 0;
      int pending = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (echoed < total || pending > 0) {
        assertTrue(System.nanoTime() < deadline, "echoed " + echoed + " of " + total);
        while (!toEcho.isEmpty()) {
          NativeBuffer b = toEcho.poll().buffer();
          echoed += b.length();
          pending++;
          peer.zw.tell(SocketProtocol.Send.of(b, id++, sends.getRef()));
        }
        if (pending > 0) {
          SendOutcome o = (SendOutcome) sends.receiveMessage(Duration.ofSeconds(10));
          pending--;
          assertTrue(o instanceof Released, o.toString());
          o.buffers().get(0).release(); // back to the socket's pool
        }
        SocketProtocol.Event e;
        while ((e = pollEvent(handler)) != null) {
          toEcho.add((SocketProtocol.ReceivedBuffer) e);
        }
      }
      writer.join(10_000);
      peer.awaitBytes(total, Duration.ofSeconds(20));
      assertEquals(0, peer.corrupt.get(), "the echo is the stream, byte for byte");
    }
  }

  private static SocketProtocol.Event pollEvent(TestProbe<SocketProtocol.Event> probe) {
    try {
      return probe.receiveMessage(Duration.ofMillis(20));
    } catch (AssertionError none) {
      return null;
    }
  }

  /** Backpressure: over the queue bound a Send is refused at once; WritingResumed follows. */
  @Test
  void overTheQueueBoundSendsAreRefusedThenResumed() throws Exception {
    overTheQueueBoundSendsAreRefusedThenResumed(CUT_NEVER);
  }

  /** The same with every Send cut by gather-bytes: the peer stops reading with Sends half written. */
  @Test
  void overTheQueueBoundSendsCutInPiecesAreRefusedThenResumed() throws Exception {
    overTheQueueBoundSendsAreRefusedThenResumed(CUT_INTO_PIECES);
  }

  private void overTheQueueBoundSendsAreRefusedThenResumed(long gatherBytes) throws Exception {
    SocketOptions opts = options(SendMode.ZEROCOPY).withLimits(512 * 1024, 32L << 20).withBuffers(16 * 1024, 16 * 1024)
        .withGatherBytes(gatherBytes);
    try (Peer peer = transport().open(kit, opts)) {
      TestProbe<SendReply> probe = kit.createTestProbe();
      int n = 200;
      int size = 64 * 1024;
      sendStream(peer.zw, n, size, probe);
      Outcomes outcomes = new Outcomes();
      // the peer is not reading: the refusals come at once
      while (outcomes.count(Refused.class) == 0) {
        outcomes.add(probe.receiveMessage(Duration.ofSeconds(10)));
      }
      Refused r = (Refused) outcomes.byId.values().stream().filter(Refused.class::isInstance).findFirst().orElseThrow();
      assertEquals(SocketProtocol.RefusalKind.NO_ROOM, r.kind());
      assertTrue(r.reason().contains("bound"), r.reason());
      peer.startReading(p -> 0, 65536, 0); // drain the kernel; bytes not checked here (gaps from refusals)
      outcomes.awaitAll(probe, n, Duration.ofSeconds(30));
      while (outcomes.resumed == 0) {
        outcomes.add(probe.receiveMessage(Duration.ofSeconds(10)));
      }
      assertEquals(n, outcomes.count(Released.class) + outcomes.count(Refused.class));
      assertTrue(outcomes.count(Released.class) > 0);
    }
  }

  /** Bad input gets one clear refusal naming what was wrong, and the socket carries on. */
  @Test
  void invalidSendsAreRefusedAndTheSocketCarriesOn() throws Exception {
    try (Peer peer = transport().open(kit, options(SendMode.ADAPTIVE))) {
      peer.startReading(SocketContract::streamByte, 65536, 0);
      TestProbe<SendReply> probe = kit.createTestProbe();
      NativeBuffer released = NativeBuffer.allocate(10);
      released.release();
      peer.zw.tell(new SocketProtocol.Send(List.of(), 1, probe.getRef()));
      peer.zw.tell(new SocketProtocol.Send(List.of(released), 2, probe.getRef()));
      peer.zw.tell(new SocketProtocol.Send(List.of(buffer(0)), 3, probe.getRef()));
      for (String expect : List.of("no buffers", "released buffer", "empty")) {
        Refused r = probe.expectMessageClass(Refused.class, Duration.ofSeconds(10));
        assertEquals(SocketProtocol.RefusalKind.INVALID, r.kind());
        assertTrue(r.reason().contains(expect), r.reason());
      }
      NativeBuffer ok = buffer(100);
      fillStream(ok, 100, 0);
      peer.zw.tell(SocketProtocol.Send.of(ok, 4, probe.getRef()));
      assertEquals(4, probe.expectMessageClass(Released.class, Duration.ofSeconds(10)).correlationId());
      peer.awaitBytes(100, Duration.ofSeconds(10));
      assertEquals(0, peer.corrupt.get());
    }
  }
}
