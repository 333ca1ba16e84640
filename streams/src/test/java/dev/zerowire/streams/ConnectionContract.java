package dev.zerowire.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.zerowire.actors.SocketOptions;
import dev.zerowire.actors.SocketProtocol.Bound;
import dev.zerowire.actors.SocketProtocol.Connected;
import dev.zerowire.actors.ZeroWire;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SinkQueueWithCancel;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * What a zerowire connection flow promises, run over each transport by a small subclass (as the
 * actors module's SocketContract): real sockets; the peer is plain java.nio on its own thread, or
 * zerowire's own bind. No assertion is about time: waits have generous deadlines only so that a
 * broken build ends.
 */
abstract class ConnectionContract {
  static ActorTestKit kit;

  static void startKit(String name) {
    kit = ActorTestKit.create(name);
  }

  @AfterAll
  static void stopKit() {
    kit.shutdownTestKit();
  }

  /** Where a java.nio peer listens (port 0 / a fresh path). */
  abstract SocketAddress peerAddress() throws IOException;

  /** Where zerowire's bind listens (port 0 / a fresh path). */
  abstract SocketAddress bindAddress() throws IOException;

  /** An address where nothing listens, with what the connect's error must name. */
  abstract Pair<SocketAddress, String> refusedAddress() throws IOException;

  /** Bytes of the large transfer. */
  long largeBytes() {
    return 64L << 20;
  }

  static ActorSystem<Void> system() {
    return kit.system();
  }

  static SocketOptions options() {
    return ZeroWire.get(system()).defaultOptions();
  }

  static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("never happened: " + what);
      }
      Thread.sleep(10);
    }
  }

  /** Every buffer the stage allocated is released, exactly once, none withheld. */
  static void assertAllReleased(BufferLedger ledger) throws InterruptedException {
    eventually("every buffer released (" + ledger + ")", () -> ledger.outstanding() == 0);
    assertEquals(0, ledger.withheld.get(), ledger.toString());
    assertEquals(ledger.allocated.get(), ledger.released.get(), ledger.toString());
  }

  static Flow<ByteString, ByteString, CompletionStage<Connected>> connection(SocketAddress remote, BufferLedger ledger) {
    return ZeroWireStreams.outgoingConnection(system(), remote, options(), StreamSettings.defaults(), ledger);
  }

  static ByteString concat(List<ByteString> parts) {
    ByteString all = ByteString.emptyByteString();
    for (ByteString p : parts) {
      all = all.concat(p);
    }
    return all;
  }

  // ---------------------------------------------------------------------------------- tests

  @Test
  void roundTripAgainstAJavaNioEchoServer() throws Exception {
    try (NioPeer peer = NioPeer.start(peerAddress(), NioPeer::echo)) {
      Random rnd = new Random(7);
      long pos = 0;
      java.util.ArrayList<ByteString> out = new java.util.ArrayList<>();
      for (int i = 0; i < 300; i++) {
        if (i % 50 == 0) {
          out.add(ByteString.emptyByteString()); // nothing to send: skipped, not an invalid Send
        }
        int n = 1 + rnd.nextInt(i % 10 == 0 ? 600_000 : 3_000); // some larger than a Send
        out.add(Pattern.chunk(pos, n));
        pos += n;
      }
      BufferLedger ledger = new BufferLedger();
      Pair<CompletionStage<Connected>, CompletionStage<List<ByteString>>> run = Source.from(out)
          .viaMat(connection(peer.address(), ledger), Keep.right())
          .toMat(Sink.seq(), Keep.both())
          .run(system());
      Connected c = await(run.first());
      assertNotNull(c.socket());
      ByteString echoed = concat(await(run.second()));
      assertEquals(pos, echoed.size());
      assertEquals(concat(out), echoed, "the echo is byte for byte what was sent");
      assertAllReleased(ledger);
      assertTrue(ledger.allocated.get() > 300, "elements over 256 KiB went as several Sends: " + ledger);
      peer.assertNoFailure();
    }
  }

  @Test
  void aLargeTransferIsByteExact() throws Exception {
    long total = largeBytes();
    int size = 64 << 10;
    try (NioPeer peer = NioPeer.start(peerAddress(), NioPeer::echo)) {
      BufferLedger ledger = new BufferLedger();
      Pattern.Check check = await(Source.range(0, (int) (total / size) - 1)
          .map(i -> Pattern.chunk((long) i * size, size))
          .via(connection(peer.address(), ledger))
          .runFold(new Pattern.Check(), Pattern.Check::add, system()));
      assertEquals(total, check.bytes);
      assertEquals(Pattern.crc(total), check.crc.getValue(), "CRC-32 of the echo");
      assertAllReleased(ledger);
      assertEquals(total / size, ledger.allocated.get());
      peer.assertNoFailure();
    }
  }

  @Test
  void zerowireBindServesAZerowireClientAndAJavaNioClient() throws Exception {
    BufferLedger serverLedger = new BufferLedger();
    Pair<CompletionStage<Bound>, CompletionStage<Done>> server = ZeroWireStreams
        .bind(system(), bindAddress(), options(), StreamSettings.defaults(), 100, 0, serverLedger)
        .toMat(Sink.foreach(c -> c.handleWith(Flow.<ByteString>create(), system())), Keep.both())
        .run(system());
    Bound bound = await(server.first());

    // A zerowire client.
    BufferLedger clientLedger = new BufferLedger();
    long total = 8L << 20;
    int size = 100_000;
    Pattern.Check check = await(Source.range(0, (int) (total / size) - 1)
        .map(i -> Pattern.chunk((long) i * size, size))
        .via(connection(bound.local(), clientLedger))
        .runFold(new Pattern.Check(), Pattern.Check::add, system()));
    assertEquals(total / size * size, check.bytes);
    assertEquals(Pattern.crc(total / size * size), check.crc.getValue());

    // A blocking java.nio client: writes, ends its side, reads the echo to the end.
    try (SocketChannel ch = SocketChannel.open(bound.local())) {
      byte[] data = Pattern.chunk(0, 3 << 20).toArray();
      CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
        try {
          return NioPeer.readAll(ch);
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      NioPeer.writeAll(ch, data);
      ch.shutdownOutput();
      assertTrue(java.util.Arrays.equals(data, echoed.get(60, TimeUnit.SECONDS)), "the nio client's echo");
    }
    assertAllReleased(clientLedger);
    assertAllReleased(serverLedger);
  }

  /**
   * The downstream takes nothing: the stage asks the socket for nothing, the kernel's buffers
   * fill and the peer's non-blocking write returns 0 long before it has written everything. Then
   * the downstream reads it all, byte exact.
   */
  @Test
  void aSlowDownstreamStallsThePeersWrites() throws Exception {
    long total = 64L << 20;
    CompletableFuture<Long> stalledAt = new CompletableFuture<>();
    try (NioPeer peer = NioPeer.start(peerAddress(), ch -> {
      ch.configureBlocking(false);
      ByteBuffer b = Pattern.chunk(0, (int) total).asByteBuffer();
      while (b.hasRemaining() && ch.write(b) > 0) {
        // until the kernel has no room
      }
      stalledAt.complete((long) b.position());
      ch.configureBlocking(true);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.shutdownOutput();
      NioPeer.readAll(ch);
    })) {
      Pair<CompletableFuture<Optional<ByteString>>, SinkQueueWithCancel<ByteString>> run = Source.<ByteString>maybe()
          .via(connection(peer.address(), new BufferLedger()))
          .toMat(Sink.queue(), Keep.both())
          .run(system());
      long stalled = stalledAt.get(60, TimeUnit.SECONDS);
      System.out.println(getClass().getSimpleName() + ": the peer's writes stalled after " + stalled + " of " + total + " bytes");
      assertTrue(stalled < total, "the peer could write only " + stalled + " of " + total + " bytes");
      Pattern.Check check = new Pattern.Check();
      SinkQueueWithCancel<ByteString> queue = run.second();
      for (Optional<ByteString> next = await(queue.pull()); next.isPresent(); next = await(queue.pull())) {
        check.add(next.get());
      }
      assertEquals(total, check.bytes);
      assertEquals(Pattern.crc(total), check.crc.getValue());
      run.first().complete(Optional.empty()); // our side ends too
      peer.assertNoFailure();
    }
  }

  /** The same over an accepted connection: a server handler that takes nothing stalls the client's writes. */
  @Test
  void aSlowServerHandlerStallsTheClientsWrites() throws Exception {
    int total = 32 << 20;
    CompletableFuture<Pair<SinkQueueWithCancel<ByteString>, CompletableFuture<Optional<ByteString>>>> handler =
        new CompletableFuture<>();
    Pair<CompletionStage<Bound>, CompletionStage<Done>> server = ZeroWireStreams.bind(system(), bindAddress())
        .take(1)
        .toMat(Sink.foreach(c -> handler.complete(c.handleWith(
            Flow.fromSinkAndSourceMat(Sink.<ByteString>queue(), Source.<ByteString>maybe(), Keep.both()), system()))),
            Keep.both())
        .run(system());
    Bound bound = await(server.first());
    try (SocketChannel ch = SocketChannel.open(bound.local())) {
      Pair<SinkQueueWithCancel<ByteString>, CompletableFuture<Optional<ByteString>>> h =
          handler.get(60, TimeUnit.SECONDS);
      ch.configureBlocking(false);
      ByteBuffer b = Pattern.chunk(0, total).asByteBuffer();
      while (b.hasRemaining() && ch.write(b) > 0) {
        // until the kernel has no room
      }
      long stalled = b.position();
      assertTrue(stalled < total, "the client could write only " + stalled + " of " + total + " bytes");
      System.out.println(getClass().getSimpleName() + ": the client's writes stalled after " + stalled + " bytes");
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
        try {
          ch.configureBlocking(true);
          while (b.hasRemaining()) {
            ch.write(b);
          }
          ch.shutdownOutput();
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      Pattern.Check check = new Pattern.Check();
      for (Optional<ByteString> next = await(h.first().pull()); next.isPresent(); next = await(h.first().pull())) {
        check.add(next.get());
      }
      writer.get(60, TimeUnit.SECONDS);
      assertEquals(total, check.bytes);
      assertEquals(Pattern.crc(total), check.crc.getValue());
      h.second().complete(Optional.empty()); // the server's side ends too
      assertEquals(-1, ch.read(ByteBuffer.allocate(1)), "the server's end of stream");
    }
  }

  /** Cancelling the bind source unbinds: new connects are refused (on AF_UNIX the path is gone). */
  @Test
  void cancellingTheBindSourceUnbinds() throws Exception {
    Pair<Pair<CompletionStage<Bound>, org.apache.pekko.stream.UniqueKillSwitch>, CompletionStage<Done>> run =
        ZeroWireStreams.bind(system(), bindAddress())
            .viaMat(org.apache.pekko.stream.KillSwitches.single(), Keep.both())
            .toMat(Sink.ignore(), Keep.both())
            .run(system());
    Bound bound = await(run.first().first());
    SocketChannel.open(bound.local()).close(); // listening
    run.first().second().shutdown();
    await(run.second());
    eventually("connects to " + bound.local() + " are refused", () -> {
      try (SocketChannel ch = SocketChannel.open(bound.local())) {
        return false;
      } catch (IOException refused) {
        return true;
      }
    });
  }

  /**
   * The peer reads nothing until told: the upstream is pulled only while the in-flight Sends stay
   * within their bounds, so once the kernel's buffers are full it stops being pulled, far short
   * of the whole source. Then the peer reads all of it, byte exact.
   */
  @Test
  void aPeerThatDoesNotReadBackpressuresTheUpstream() throws Exception {
    int size = 64 << 10;
    int elements = 2048; // 128 MiB: far more than the kernel's buffers and the window hold
    StreamSettings settings = new StreamSettings(8, 512 << 10, 256 << 10);
    CountDownLatch startReading = new CountDownLatch(1);
    CompletableFuture<Pattern.Check> peerGot = new CompletableFuture<>();
    try (NioPeer peer = NioPeer.start(peerAddress(), ch -> {
      startReading.await();
      Pattern.Check check = new Pattern.Check();
      ByteBuffer buf = ByteBuffer.allocate(256 << 10);
      while (ch.read(buf) >= 0) {
        buf.flip();
        check.add(ByteString.fromByteBuffer(buf));
        buf.clear();
      }
      peerGot.complete(check);
      ch.shutdownOutput();
    })) {
      BufferLedger ledger = new BufferLedger();
      AtomicLong produced = new AtomicLong();
      AtomicLong worstAhead = new AtomicLong();
      Iterator<ByteString> source = new Iterator<>() {
        @Override
        public boolean hasNext() {
          return produced.get() < elements;
        }

        @Override
        public ByteString next() {
          long i = produced.getAndIncrement();
          // On the stage's thread (fused): what was pulled and not yet released is in the window.
          worstAhead.accumulateAndGet(i - ledger.released.get(), Math::max);
          return Pattern.chunk(i * size, size);
        }
      };
      CompletionStage<Done> done = Source.fromIterator(() -> source)
          .via(ZeroWireStreams.outgoingConnection(system(), peer.address(), options(), settings, ledger))
          .runWith(Sink.ignore(), system());
      eventually("the window filled", () -> ledger.maxInFlightSends.get() == settings.maxInFlightSends());
      long last = -1;
      while (last != produced.get()) { // wait until pulling stops
        last = produced.get();
        Thread.sleep(500);
      }
      System.out.println(getClass().getSimpleName() + ": pulling stopped after " + produced.get() + " of " + elements
          + " elements; " + ledger);
      assertTrue(produced.get() < elements, "pulled " + produced.get() + " of " + elements + " elements");
      assertTrue(worstAhead.get() <= settings.maxInFlightSends(), "pulled ahead of the outcomes: " + worstAhead);
      assertTrue(ledger.maxInFlightSends.get() <= settings.maxInFlightSends(), ledger.toString());
      assertTrue(ledger.maxInFlightBytes.get() <= settings.maxInFlightBytes(), ledger.toString());
      startReading.countDown();
      await(done);
      Pattern.Check got = peerGot.get(60, TimeUnit.SECONDS);
      assertEquals((long) elements * size, got.bytes);
      assertEquals(Pattern.crc((long) elements * size), got.crc.getValue());
      assertAllReleased(ledger);
      peer.assertNoFailure();
    }
  }

  /**
   * The peer resets (on AF_UNIX: closes with our bytes unread) mid-stream: the upstream is
   * cancelled with an IOException naming the connection and the error. The downstream fails with
   * it too, unless the peer's end of stream reached it first (then it completed, as in Pekko's Tcp).
   */
  @Test
  void aPeerThatGoesAwayMidStreamFailsTheStream() throws Exception {
    try (NioPeer peer = NioPeer.start(peerAddress(), ch -> {
      ByteBuffer buf = ByteBuffer.allocate(1 << 20);
      ch.read(buf); // some of it
      if (!(ch.getLocalAddress() instanceof java.net.UnixDomainSocketAddress)) {
        ch.setOption(java.net.StandardSocketOptions.SO_LINGER, 0); // close(2) sends RST
      }
    })) {
      BufferLedger ledger = new BufferLedger();
      Pair<CompletionStage<Done>, CompletionStage<Done>> run = Source.repeat(Pattern.chunk(0, 64 << 10))
          .watchTermination(Keep.right())
          .via(connection(peer.address(), ledger))
          .toMat(Sink.ignore(), Keep.both())
          .run(system());
      ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
          () -> await(run.first()));
      IOException io = assertInstanceOf(IOException.class, e.getCause());
      assertTrue(io.getMessage().contains("zerowire connection to"), io.getMessage());
      System.out.println(getClass().getSimpleName() + ": a peer gone mid-stream: " + io.getMessage());
      try {
        await(run.second());
      } catch (ExecutionException downstream) {
        assertInstanceOf(IOException.class, downstream.getCause());
      }
      assertAllReleased(ledger);
      peer.assertNoFailure();
    }
  }

  /** The upstream fails: the downstream fails with its cause, the socket is aborted, buffers come back. */
  @Test
  void anUpstreamFailureFailsTheStreamAndAbortsTheSocket() throws Exception {
    CompletableFuture<Long> peerSawEnd = new CompletableFuture<>();
    try (NioPeer peer = NioPeer.start(peerAddress(), ch -> {
      ByteBuffer buf = ByteBuffer.allocate(1 << 20);
      long n = 0;
      try {
        for (int r = ch.read(buf); r >= 0; r = ch.read(buf)) {
          n += r;
          buf.clear();
        }
      } catch (IOException reset) {
        // a reset ends it too
      }
      peerSawEnd.complete(n);
    })) {
      BufferLedger ledger = new BufferLedger();
      RuntimeException boom = new RuntimeException("boom");
      CompletionStage<Done> done = Source.repeat(Pattern.chunk(0, 64 << 10)).take(100)
          .concat(Source.failed(boom))
          .via(connection(peer.address(), ledger))
          .runWith(Sink.ignore(), system());
      ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> await(done));
      assertEquals(boom, e.getCause());
      peerSawEnd.get(60, TimeUnit.SECONDS);
      assertAllReleased(ledger);
      peer.assertNoFailure();
    }
  }

  @Test
  void aRefusedConnectFailsTheMaterializedValueAndTheStream() throws Exception {
    Pair<SocketAddress, String> refused = refusedAddress();
    BufferLedger ledger = new BufferLedger();
    Pair<CompletionStage<Connected>, CompletionStage<List<ByteString>>> run = Source.single(ByteString.fromString("x"))
        .viaMat(connection(refused.first(), ledger), Keep.right())
        .toMat(Sink.seq(), Keep.both())
        .run(system());
    for (CompletionStage<?> stage : List.of(run.first(), run.second())) {
      ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> await(stage));
      IOException io = assertInstanceOf(IOException.class, e.getCause());
      assertTrue(io.getMessage().contains(refused.second()), io.getMessage());
      assertTrue(io.getMessage().contains(refused.first().toString()), io.getMessage());
    }
    assertEquals(0, ledger.allocated.get());
  }

  /** Our upstream ends first: FIN goes out, and the peer's reply after it still arrives. */
  @Test
  void afterTheUpstreamEndsTheReplyStillArrives() throws Exception {
    try (NioPeer peer = NioPeer.start(peerAddress(), ch -> {
      byte[] got = NioPeer.readAll(ch); // to our FIN
      NioPeer.writeAll(ch, ("reply to " + new String(got)).getBytes());
    })) {
      BufferLedger ledger = new BufferLedger();
      List<ByteString> reply = await(Source.single(ByteString.fromString("hello"))
          .via(connection(peer.address(), ledger))
          .runWith(Sink.seq(), system()));
      assertEquals("reply to hello", concat(reply).utf8String());
      assertAllReleased(ledger);
      peer.assertNoFailure();
    }
  }

  /** The peer ends first: our downstream completes, and our upstream still goes out after that. */
  @Test
  void afterThePeerEndsTheUpstreamStillGoesOut() throws Exception {
    CompletableFuture<String> peerGot = new CompletableFuture<>();
    try (NioPeer peer = NioPeer.start(peerAddress(), ch -> {
      NioPeer.writeAll(ch, "bye".getBytes());
      ch.shutdownOutput();
      peerGot.complete(new String(NioPeer.readAll(ch)));
    })) {
      BufferLedger ledger = new BufferLedger();
      CompletableFuture<ByteString> later = new CompletableFuture<>();
      CompletionStage<List<ByteString>> down = Source.single(ByteString.fromString("first "))
          .concat(Source.completionStage(later))
          .via(connection(peer.address(), ledger))
          .runWith(Sink.seq(), system());
      assertEquals("bye", concat(await(down)).utf8String());
      later.complete(ByteString.fromString("and after your end")); // only now
      assertEquals("first and after your end", peerGot.get(60, TimeUnit.SECONDS));
      assertAllReleased(ledger);
      peer.assertNoFailure();
    }
  }

  @Test
  void cancellingTheDownstreamClosesTheConnection() throws Exception {
    CompletableFuture<Long> peerSawEnd = new CompletableFuture<>();
    try (NioPeer peer = NioPeer.start(peerAddress(), ch -> {
      ByteBuffer buf = ByteBuffer.allocate(64 << 10);
      long n = 0;
      for (int r = ch.read(buf); r >= 0; r = ch.read(buf)) {
        n += r;
        buf.flip();
        NioPeer.writeAll(ch, java.util.Arrays.copyOf(buf.array(), buf.limit()));
        buf.clear();
      }
      peerSawEnd.complete(n);
      ch.shutdownOutput();
    })) {
      BufferLedger ledger = new BufferLedger();
      ByteString first = await(Source.repeat(ByteString.fromString("ping"))
          .via(connection(peer.address(), ledger))
          .runWith(Sink.head(), system()));
      assertTrue(first.utf8String().startsWith("ping"), first.utf8String());
      assertTrue(peerSawEnd.get(60, TimeUnit.SECONDS) > 0, "the peer saw our end of stream");
      assertAllReleased(ledger);
      peer.assertNoFailure();
    }
  }

  /**
   * The materializer is shut down while Sends are stuck in flight (the peer reads nothing): the
   * socket is aborted and each buffer is released after its outcome, by the stage's inbox.
   */
  @Test
  void aStageStoppedFromOutsideStillReleasesEveryBuffer() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (NioPeer peer = NioPeer.start(peerAddress(), ch -> release.await())) {
      BufferLedger ledger = new BufferLedger();
      Materializer mat = Materializer.createMaterializer(system());
      Source.repeat(Pattern.chunk(0, 64 << 10))
          .via(ZeroWireStreams.outgoingConnection(system(), peer.address(), options(),
              new StreamSettings(8, 512 << 10, 256 << 10), ledger))
          .runWith(Sink.ignore(), mat);
      eventually("the window filled", () -> ledger.maxInFlightSends.get() == 8);
      long last = -1;
      while (last != ledger.allocated.get()) { // until the window is full and stuck
        last = ledger.allocated.get();
        Thread.sleep(500);
      }
      assertTrue(ledger.outstanding() > 0, "sends are in flight: " + ledger);
      mat.shutdown();
      assertAllReleased(ledger);
      release.countDown();
    }
  }

  @Test
  void anAcceptedConnectionIsHandledOnce() throws Exception {
    CompletableFuture<IncomingConnection> first = new CompletableFuture<>();
    Pair<CompletionStage<Bound>, CompletionStage<Done>> server = ZeroWireStreams.bind(system(), bindAddress())
        .take(1)
        .toMat(Sink.foreach(first::complete), Keep.both())
        .run(system());
    Bound bound = await(server.first());
    try (SocketChannel ch = SocketChannel.open(bound.local())) {
      IncomingConnection c = first.get(60, TimeUnit.SECONDS);
      c.handleWith(Flow.<ByteString>create(), system());
      CompletionStage<Done> second = Source.<ByteString>empty().via(c.flow()).runWith(Sink.ignore(), system());
      ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> await(second));
      assertInstanceOf(IllegalStateException.class, e.getCause());
      NioPeer.writeAll(ch, "echo".getBytes());
      ch.shutdownOutput();
      assertEquals("echo", new String(NioPeer.readAll(ch)));
    }
    await(server.second()); // take(1) cancelled the source: unbound
  }
}
