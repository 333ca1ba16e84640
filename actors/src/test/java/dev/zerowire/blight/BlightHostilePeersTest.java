package dev.zerowire.blight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.zerowire.blight.BlightProtocol.ClientAccepted;
import dev.zerowire.blight.BlightProtocol.ClientFinished;
import dev.zerowire.blight.BlightProtocol.ConnectionFault;
import dev.zerowire.blight.BlightProtocol.ConnectionSummary;
import dev.zerowire.blight.BlightProtocol.ServerCommand;
import dev.zerowire.blight.BlightProtocol.ServerEvent;
import dev.zerowire.blight.BlightProtocol.ServerSummary;
import dev.zerowire.blight.BlightTestSupport.Client;
import dev.zerowire.blight.BlightTestSupport.RawPeer;
import dev.zerowire.blight.BlightTestSupport.Server;
import dev.zerowire.blight.BlightTestSupport.Transport;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, the server under hostile peers over real sockets: memory is bounded by settings, never
 * by what a peer claims or refuses to read. Heap is measured in this process (the server runs
 * here); the decisive numbers are the budget's own accounting and the connections' counters.
 */
class BlightHostilePeersTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final Duration LONG = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  /** Heap in use after a full GC, in bytes. */
  static long heapAfterGc() {
    for (int i = 0; i < 2; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static void await(String what, BooleanSupplier done) {
    long deadline = System.nanoTime() + LONG.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("not within " + LONG + ": " + what);
      }
      BlightTestSupport.sleep(20);
    }
  }

  static Server start(SocketAddress listen, BlightSettings settings, PayloadBudget budget) {
    TestProbe<ServerEvent> events = kit.createTestProbe();
    ActorRef<ServerCommand> ref = kit.spawn(BlightServer.create(List.of(listen), settings, null, events.getRef(),
        budget));
    var b = events.expectMessageClass(BlightProtocol.ServerBound.class, BlightTestSupport.WAIT);
    return new Server(ref, events, b.addresses().get(0));
  }

  /** Drains {@code n} events of class {@code c} from the server's probe, skipping others; returns them. */
  static <E extends ServerEvent> List<E> collect(Server s, Class<E> c, int n) {
    List<E> out = new ArrayList<>();
    long deadline = System.nanoTime() + LONG.toNanos();
    while (out.size() < n) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        fail("only " + out.size() + " of " + n + " " + c.getSimpleName());
      }
      ServerEvent e = s.events().receiveMessage(Duration.ofNanos(left));
      if (c.isInstance(e)) {
        out.add(c.cast(e));
      }
    }
    return out;
  }

  /** The good client: the conformance vector (1000 Repaints of 4096 bytes), then the final Ping. */
  static TestProbe<BlightLoad.Result> runVector(SocketAddress address, BlightSettings settings) {
    Client c = BlightTestSupport.connect(kit, address, settings);
    TestProbe<BlightLoad.Result> done = kit.createTestProbe();
    kit.spawn(BlightLoad.create(c.ref(), BlightLoad.Spec.of(BlightType.REPAINT, ConformanceVectorTest.MESSAGES,
        ConformanceVectorTest.PAYLOAD).withWindow(64).withAckTimeout(LONG), done.getRef()));
    return done;
  }

  // ======================================================================== break 1: claims

  @Test
  void stalledLargeClaimsHoldOnlyTheBudgetAndCloseAfterThePayloadTimeout() throws IOException {
    int stallers = 150;
    long budgetBytes = 4L << 20; // smaller than 150 first pieces (9.4 MiB): the budget must refuse
    BlightSettings settings = BlightSettings.defaults().withLimits(BlightLimits.defaults()
        .withPayloadBudget(budgetBytes).withPayloadTimeout(Duration.ofSeconds(3)).withMaxConnections(200));
    PayloadBudget budget = new PayloadBudget(budgetBytes);
    Server server = start(Transport.TCP4.listenAddress(dir), settings, budget);
    long baseline = heapAfterGc();

    // Each claims 60 MiB (legal under the 64 MiB maximum) and sends 3 bytes of it: the report's attack.
    List<RawPeer> peers = new ArrayList<>();
    byte[] claim = ByteBuffer.allocate(15).order(BlightWire.ORDER)
        .put(BlightEncoder.encodeHeader(BlightType.REPAINT, 1, 60 << 20)).put(new byte[3]).array();
    for (int i = 0; i < stallers; i++) {
      RawPeer p = RawPeer.connect(server.address());
      p.write(claim);
      peers.add(p);
    }
    await("the budget is full", () -> budget.used() + BlightDecoder.DEFAULT_PIECE_SIZE > budgetBytes);
    long stalledHeap = heapAfterGc() - baseline;
    assertTrue(stalledHeap < budgetBytes + (64L << 20),
        "150 stalled 60 MiB claims grew the heap by " + stalledHeap + " bytes (budget " + budgetBytes + ")");

    // Two good clients on the same listener, each running the conformance vector.
    TestProbe<BlightLoad.Result> a = runVector(server.address(), BlightSettings.defaults());
    TestProbe<BlightLoad.Result> b = runVector(server.address(), BlightSettings.defaults());
    for (TestProbe<BlightLoad.Result> p : List.of(a, b)) {
      BlightLoad.Result r = p.expectMessageClass(BlightLoad.Result.class, LONG);
      assertTrue(r.ok(), r.toString());
      assertEquals(ConformanceVectorTest.EXPECTED, r.checksum());
    }

    List<ConnectionFault> faults = collect(server, ConnectionFault.class, stallers);
    for (ConnectionFault f : faults) {
      assertEquals(BlightProtocolException.Fault.PAYLOAD_TIMEOUT, f.fault(), f.message());
      assertTrue(f.message().contains("claiming 62914560 payload bytes (3 arrived)"), f.message());
    }
    for (RawPeer p : peers) {
      p.awaitEof();
      p.close();
    }
    await("every reservation is given back", () -> budget.used() == 0);
    assertTrue(budget.peak() <= budgetBytes, "peak " + budget.peak());
    assertTrue(budget.refusals() > 0, "the budget was never full: the test did not test it");
    ServerSummary s = server.stop(kit);
    // one payload-timeout error each; a staller that also ignored the server's Pings has a warning line too
    assertTrue(s.errorCount() >= stallers, s.errorCount() + " error lines");
    assertTrue(s.errors().size() <= BlightLimits.defaults().history(), s.errors().size() + " error lines kept");
  }

  // ======================================================================= break 2: no reads

  @Test
  void aClientThatNeverReadsIsHeldBackThenClosedWhileOthersCarryOn() throws IOException {
    int maxPending = 256;
    BlightSettings settings = BlightSettings.defaults().withLimits(BlightLimits.defaults()
        .withMaxPendingReplies(maxPending).withReplyStallTimeout(Duration.ofSeconds(2)));
    Server server = start(Transport.TCP4.listenAddress(dir), settings, null);
    long baseline = heapAfterGc();

    // Valid Pings, 5,000 per 60 kB block, as in the report; never read a byte.
    ByteBuffer block = ByteBuffer.allocate(5000 * BlightHeader.SIZE).order(BlightWire.ORDER);
    for (int i = 1; i <= 5000; i++) {
      BlightEncoder.putHeader(block, BlightType.PING, i, 0);
    }
    RawPeer hog = RawPeer.connect(server.address());
    ClientAccepted hogAccepted = server.await(ClientAccepted.class);
    long written = 0;
    long stuckSince = 0;
    long deadline = System.nanoTime() + LONG.toNanos();
    // Write until TCP pushes back for a second: the server stopped reading. (A server that never
    // stops reading keeps this loop going until the deadline and fails below.)
    block.clear();
    while (System.nanoTime() < deadline) {
      if (!block.hasRemaining()) {
        block.clear(); // the next block only after the whole of this one: a partial write keeps its rest
      }
      int n = hog.channel.write(block);
      written += n;
      if (n == 0) {
        if (stuckSince == 0) {
          stuckSince = System.nanoTime();
        } else if (System.nanoTime() - stuckSince > 1_000_000_000L) {
          break;
        }
        BlightTestSupport.sleep(5);
      } else {
        stuckSince = 0;
      }
    }
    assertTrue(stuckSince != 0, "the server kept reading " + written + " bytes from a client that reads nothing");
    long heldHeap = heapAfterGc() - baseline;
    assertTrue(heldHeap < 64L << 20, "a non-reading client grew the heap by " + heldHeap + " bytes");

    // Meanwhile another client is served as usual.
    BlightLoad.Result good = runVector(server.address(), BlightSettings.defaults())
        .expectMessageClass(BlightLoad.Result.class, LONG);
    assertTrue(good.ok(), good.toString());
    assertEquals(ConformanceVectorTest.EXPECTED, good.checksum());

    ConnectionFault fault = server.await(ConnectionFault.class);
    assertEquals(hogAccepted.connectionId(), fault.connectionId());
    assertEquals(BlightProtocolException.Fault.STALLED, fault.fault());
    assertTrue(fault.message().contains(hogAccepted.connection()), "the error names the connection: "
        + fault.message());
    ConnectionSummary hogSummary = server.await(ClientFinished.class).summary(); // the good client is still open
    assertEquals(hogAccepted.connectionId(), hogSummary.id());
    assertEquals(1, hogSummary.errors().stream().filter(e -> e.contains("unread")).count(),
        "one error for the unread replies: " + hogSummary.errors());
    assertTrue(hogSummary.holdBacks() > 0);
    // exact: decoding pauses mid-chunk at the bound (+1: a Ping of the server's own)
    assertTrue(hogSummary.peakPendingReplies() <= maxPending + 1,
        "pending replies peaked at " + hogSummary.peakPendingReplies());
    hog.close();
    server.stop(kit);
  }

  // ====================================================================== break 3: a storm

  @Test
  void aStormOfBadConnectionsLeavesBoundedHistoryAndNoFds() throws IOException {
    int history = 16;
    int storm = 300;
    BlightSettings settings = BlightSettings.defaults().withLimits(BlightLimits.defaults().withHistory(history));
    Server server = start(Transport.UNIX.listenAddress(dir), settings, null);
    long fdsBefore = openFds();
    byte[] garbage = new BlightHeader(42, 1, 0).encode();
    for (int i = 0; i < storm; i++) {
      try (RawPeer p = RawPeer.connect(server.address())) {
        p.write(garbage);
        p.awaitEof();
      }
    }
    collect(server, ClientFinished.class, storm);
    await("fds back to the baseline", () -> openFds() <= fdsBefore);
    ServerSummary s = server.stop(kit);
    assertEquals(storm, s.connections());
    assertEquals(history, s.perConnection().size());
    assertEquals(storm, s.errorCount());
    assertTrue(s.errors().size() <= history, s.errors().size() + " error lines kept");
  }

  @Test
  void connectionsPastMaxConnectionsAreClosedOnArrivalAndCounted() throws IOException {
    BlightSettings settings = BlightSettings.defaults().withLimits(BlightLimits.defaults().withMaxConnections(2));
    Server server = start(Transport.UNIX.listenAddress(dir), settings, null);
    try (RawPeer a = RawPeer.connect(server.address()); RawPeer b = RawPeer.connect(server.address())) {
      collect(server, ClientAccepted.class, 2);
      try (RawPeer c = RawPeer.connect(server.address())) {
        c.awaitEof(); // closed on arrival
      }
      a.write(BlightEncoder.message(BlightType.PING, 77)); // the two served ones are still served
      await("the Ping is acked", () -> {
        try {
          a.drainQuietly();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        return a.frames().stream().anyMatch(f -> f.type() == BlightType.ACK && f.ackid() == 77);
      });
    }
    collect(server, ClientFinished.class, 2);
    ServerSummary s = server.stop(kit);
    assertEquals(2, s.connections());
    assertEquals(1, s.refused());
  }

  @Test
  void aSlowHandlerHoldsTheClientBackButNeverClosesIt() throws IOException {
    int maxPending = 16;
    BlightSettings settings = BlightSettings.defaults().withLimits(BlightLimits.defaults()
        .withMaxPendingReplies(maxPending).withReplyStallTimeout(Duration.ofMillis(500)));
    TestProbe<BlightProtocol.HandlerRequest> handler = kit.createTestProbe();
    TestProbe<ServerEvent> events = kit.createTestProbe();
    ActorRef<ServerCommand> ref = kit.spawn(BlightServer.create(List.of(Transport.UNIX.listenAddress(dir)),
        settings, handler.getRef(), events.getRef()));
    Server server = new Server(ref, events,
        events.expectMessageClass(BlightProtocol.ServerBound.class, BlightTestSupport.WAIT).addresses().get(0));
    try (RawPeer peer = RawPeer.connect(server.address())) {
      for (int i = 1; i <= 100; i++) {
        peer.write(BlightEncoder.message(BlightType.LIST, i));
      }
      List<BlightProtocol.HandlerRequest> got = new ArrayList<>();
      for (int i = 0; i < maxPending; i++) {
        got.add(handler.expectMessageClass(BlightProtocol.HandlerRequest.class, BlightTestSupport.WAIT));
      }
      // Held at the bound far past the reply-stall timeout: the handler owes every reply, so
      // the client is not to blame and stays connected; nothing more is decoded meanwhile.
      // (The 100 acks below could not arrive over a connection that had been aborted.)
      handler.expectNoMessage(Duration.ofSeconds(2));
      // The handler answers; the next requests are read again, all 100 in the end.
      int answered = 0;
      while (answered < 100) {
        BlightProtocol.HandlerRequest r = got.isEmpty()
            ? handler.expectMessageClass(BlightProtocol.HandlerRequest.class, BlightTestSupport.WAIT)
            : got.remove(0);
        r.replyTo().tell(BlightProtocol.AckWith.empty(r.frame().ackid()));
        answered++;
      }
      await("100 acks", () -> {
        try {
          peer.drainQuietly();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        return peer.frames().stream().filter(f -> f.type() == BlightType.ACK).count() == 100;
      });
    }
    ServerSummary s = server.stop(kit);
    assertTrue(s.perConnection().get(0).holdBacks() > 0, "the bound held the client back");
    assertTrue(s.perConnection().get(0).peakPendingReplies() <= maxPending + 1);
    assertTrue(s.errors().stream().noneMatch(e -> e.contains("unread")), s.errors().toString());
  }

  /**
   * The socket reads ahead of the decoder (a pull window), so chunks can arrive while reading is
   * held back at the reply bound: they must be decoded in the order they came. Staged with a raw
   * peer and a handler that answers on demand (bound 2): chunk A (requests 1-3) pauses after 2;
   * chunk B (4) arrives and waits; answering 1 lets A finish, which holds reading back between
   * chunks; chunk C (5) arrives then. Before the fix C was decoded at once, ahead of B.
   */
  @Test
  void chunksReadAheadWhileHeldBackAreDecodedInOrder() throws Exception {
    BlightSettings settings = BlightSettings.defaults().withLimits(BlightLimits.defaults().withMaxPendingReplies(2));
    TestProbe<BlightProtocol.HandlerRequest> handler = kit.createTestProbe();
    Server server = BlightTestSupport.startServer(kit, Transport.UNIX.listenAddress(dir), settings, handler.getRef());
    try (RawPeer peer = RawPeer.connect(server.address())) {
      java.io.ByteArrayOutputStream a = new java.io.ByteArrayOutputStream();
      for (int i = 1; i <= 3; i++) {
        a.writeBytes(BlightEncoder.message(BlightType.LIST, i));
      }
      peer.write(a.toByteArray());
      BlightProtocol.HandlerRequest r1 = handler.expectMessageClass(BlightProtocol.HandlerRequest.class, BlightTestSupport.WAIT);
      BlightProtocol.HandlerRequest r2 = handler.expectMessageClass(BlightProtocol.HandlerRequest.class, BlightTestSupport.WAIT);
      handler.expectNoMessage(Duration.ofMillis(200)); // at the bound: 3 waits in chunk A
      peer.write(BlightEncoder.message(BlightType.LIST, 4)); // chunk B, read ahead
      Thread.sleep(200); // (if B and C were read as one chunk, the order would hold anyway)
      r1.replyTo().tell(BlightProtocol.AckWith.empty(r1.frame().ackid()));
      BlightProtocol.HandlerRequest r3 = handler.expectMessageClass(BlightProtocol.HandlerRequest.class, BlightTestSupport.WAIT);
      assertEquals(3, r3.frame().ackid());
      handler.expectNoMessage(Duration.ofMillis(200)); // held back again, now between chunks
      peer.write(BlightEncoder.message(BlightType.LIST, 5)); // chunk C
      Thread.sleep(200);
      r2.replyTo().tell(BlightProtocol.AckWith.empty(r2.frame().ackid()));
      r3.replyTo().tell(BlightProtocol.AckWith.empty(r3.frame().ackid()));
      for (long want = 4; want <= 5; want++) {
        BlightProtocol.HandlerRequest r = handler.expectMessageClass(BlightProtocol.HandlerRequest.class, BlightTestSupport.WAIT);
        assertEquals(want, r.frame().ackid(), "requests in the order the client sent them");
        r.replyTo().tell(BlightProtocol.AckWith.empty(r.frame().ackid()));
      }
    }
    ServerSummary s = server.stop(kit);
    assertTrue(s.errors().isEmpty(), s.errors().toString());
    assertTrue(s.perConnection().get(0).holdBacks() >= 2, "held back in chunk A and between chunks");
  }

  /**
   * The client's last words: it sends and hangs up while reading is held back at the reply bound
   * between chunks, with a chunk read ahead and not yet decoded. The server decodes that chunk
   * too before it ends the connection (a request the kernel delivered is never dropped).
   */
  @Test
  void aChunkReadAheadIsDecodedWhenThePeerHangsUpWhileHeldBack() throws Exception {
    BlightSettings settings = BlightSettings.defaults().withLimits(BlightLimits.defaults().withMaxPendingReplies(2));
    TestProbe<BlightProtocol.HandlerRequest> handler = kit.createTestProbe();
    Server server = BlightTestSupport.startServer(kit, Transport.UNIX.listenAddress(dir), settings, handler.getRef());
    List<BlightProtocol.HandlerRequest> got = new ArrayList<>();
    try (RawPeer peer = RawPeer.connect(server.address())) {
      java.io.ByteArrayOutputStream a = new java.io.ByteArrayOutputStream();
      for (int i = 1; i <= 3; i++) {
        a.writeBytes(BlightEncoder.message(BlightType.LIST, i));
      }
      peer.write(a.toByteArray());
      got.add(handler.expectMessageClass(BlightProtocol.HandlerRequest.class, BlightTestSupport.WAIT));
      got.add(handler.expectMessageClass(BlightProtocol.HandlerRequest.class, BlightTestSupport.WAIT));
      peer.write(BlightEncoder.message(BlightType.LIST, 4)); // read ahead, waits behind chunk A
      Thread.sleep(200);
      got.get(0).replyTo().tell(BlightProtocol.AckWith.empty(got.get(0).frame().ackid()));
      got.add(handler.expectMessageClass(BlightProtocol.HandlerRequest.class, BlightTestSupport.WAIT));
      handler.expectNoMessage(Duration.ofMillis(200)); // held back between chunks, 4 waiting
      peer.channel.shutdownOutput(); // and the client hangs up
      got.add(handler.expectMessageClass(BlightProtocol.HandlerRequest.class, BlightTestSupport.WAIT));
    }
    assertEquals(List.of(1L, 2L, 3L, 4L), got.stream().map(r -> r.frame().ackid()).toList());
    ServerSummary s = server.stop(kit);
    assertTrue(s.errors().isEmpty(), s.errors().toString());
  }

  static long openFds() {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
