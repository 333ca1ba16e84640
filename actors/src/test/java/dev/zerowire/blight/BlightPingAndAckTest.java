package dev.zerowire.blight;

import static dev.zerowire.blight.BlightTestSupport.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerowire.blight.BlightProtocol.AckLost;
import dev.zerowire.blight.BlightProtocol.AckReceived;
import dev.zerowire.blight.BlightProtocol.AckTimedOut;
import dev.zerowire.blight.BlightProtocol.ClientClosed;
import dev.zerowire.blight.BlightProtocol.ClientFault;
import dev.zerowire.blight.BlightProtocol.ClientFinished;
import dev.zerowire.blight.BlightProtocol.ClientReply;
import dev.zerowire.blight.BlightProtocol.ClientStats;
import dev.zerowire.blight.BlightProtocol.ClientUnresponsive;
import dev.zerowire.blight.BlightProtocol.CloseClient;
import dev.zerowire.blight.BlightProtocol.ConnectionSummary;
import dev.zerowire.blight.BlightProtocol.GetClientStats;
import dev.zerowire.blight.BlightProtocol.Rejected;
import dev.zerowire.blight.BlightProtocol.Request;
import dev.zerowire.blight.BlightProtocol.Sent;
import dev.zerowire.blight.BlightProtocol.ServerSummary;
import dev.zerowire.blight.BlightTestSupport.Client;
import dev.zerowire.blight.BlightTestSupport.RawPeer;
import dev.zerowire.blight.BlightTestSupport.RawServer;
import dev.zerowire.blight.BlightTestSupport.Server;
import dev.zerowire.blight.BlightTestSupport.Transport;
import dev.zerowire.nativeio.NativeBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The server's Pings and the client's answers; ack timeouts, late and lost acks; a server that breaks the protocol. */
class BlightPingAndAckTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final BlightSettings FAST_PINGS = BlightSettings.defaults().withPingInterval(Duration.ofMillis(100));

  @TempDir
  Path dir;

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  static NativeBuffer surfaceId(int id) {
    NativeBuffer b = NativeBuffer.allocate(2);
    b.put(0, BlightPayloads.encodeSurfaceId(id), 0, 2);
    return b;
  }

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = {"TCP4", "UNIX"})
  void theClientAnswersEveryPingWithAnAckOfTheSameAckid(Transport t) {
    Server server = BlightTestSupport.startServer(kit, t.listenAddress(dir), FAST_PINGS, null);
    Client client = BlightTestSupport.connect(kit, server.address(), BlightSettings.defaults());
    TestProbe<BlightProtocol.ClientStats> stats = kit.createTestProbe();
    for (long deadline = System.nanoTime() + WAIT.toNanos(); System.nanoTime() < deadline; ) {
      client.ref().tell(new GetClientStats(stats.getRef())); // wait for pings, however slow the machine
      if (stats.receiveMessage(WAIT).pingsAnswered() >= 3) {
        break;
      }
      BlightTestSupport.sleep(50);
    }
    client.ref().tell(new CloseClient(null));
    ClientClosed closed = client.await(ClientClosed.class);
    assertTrue(closed.stats().pingsAnswered() >= 3, closed.toString());

    ClientFinished f = server.await(ClientFinished.class);
    assertEquals(closed.stats().pingsAnswered(), f.summary().pingAcks(), f.summary().toString());
    // a Ping written while the client was closing may go unanswered
    assertTrue(f.summary().pingAcks() >= f.summary().pingsSent() - 1, f.summary().toString());
    assertEquals(0, f.summary().unexpectedAcks());
    ServerSummary s = server.stop(kit);
    assertEquals(List.of(), s.errors(), "a client that answers is never reported");
  }

  @Test
  void pingsAreAnsweredWhileTheClientStreamsFlatOut() {
    // Before reads were paced, the server's mailbox filled with unread stream and the Acks to its
    // Pings queued behind it. How late an Ack may be is a timing target (the benchmark's
    // round-trip scenario); here: while a client streams, every Ping still gets its Ack, in order.
    BlightSettings pings = BlightSettings.defaults().withPingInterval(Duration.ofMillis(100));
    Server server = BlightTestSupport.startServer(kit, Transport.TCP4.listenAddress(dir), pings, null);
    Client client = BlightTestSupport.connect(kit, server.address(), BlightSettings.defaults());
    TestProbe<BlightLoad.Result> done = kit.createTestProbe();
    kit.spawn(BlightLoad.create(client.ref(), BlightLoad.Spec.of(BlightType.REPAINT, 3000, 64 * 1024).withWindow(32),
        done.getRef()));
    BlightLoad.Result r = done.receiveMessage(WAIT.multipliedBy(3));
    assertTrue(r.ok(), r.toString());
    client.ref().tell(new CloseClient(null));
    ClientClosed closed = client.await(ClientClosed.class);
    ConnectionSummary s = server.await(ClientFinished.class).summary();
    assertTrue(s.pingsSent() >= 1, "the server pinged while the client streamed: " + s);
    assertEquals(closed.stats().pingsAnswered(), s.pingAcks(), s.toString());
    assertTrue(s.pingAcks() >= s.pingsSent() - 1, "every Ping but one sent during the close was acked: " + s);
    assertEquals(0, s.unexpectedAcks(), s.toString());
    assertEquals(r.checksum(), s.checksum());
    server.stop(kit);
  }

  @Test
  void aClientThatDoesNotAnswerWithinTwoIntervalsIsReportedOnce() throws Exception {
    Server server = BlightTestSupport.startServer(kit, Transport.TCP4.listenAddress(dir), FAST_PINGS, null);
    try (RawPeer silent = RawPeer.connect(server.address())) {
      ClientUnresponsive u = server.await(ClientUnresponsive.class);
      assertTrue(u.connection().startsWith("blight connection #"), u.connection());
      assertTrue(u.silentFor().toMillis() >= 190, u.toString());
      silent.awaitBytes(3 * BlightHeader.SIZE);
      List<BlightFrame> pings = silent.frames();
      for (int i = 0; i < pings.size(); i++) {
        assertEquals(BlightType.PING, pings.get(i).type());
        assertEquals(i + 1, pings.get(i).ackid(), "pings carry ackids 1, 2, 3, ...");
        assertEquals(0, pings.get(i).payload().length);
      }
      BlightTestSupport.sleep(300);
      server.events().expectNoMessage(Duration.ofMillis(50)); // reported once per silence
      silent.write(BlightEncoder.ack(pings.get(pings.size() - 1).ackid(), new byte[0]));
      BlightTestSupport.sleep(50);
    }
    server.await(ClientFinished.class);
    ServerSummary s = server.stop(kit);
    assertEquals(1, s.perConnection().get(0).pingAcks());
    assertEquals(1, s.errors().size(), s.errors().toString());
    assertTrue(s.errors().get(0).contains("failed to respond to ping in time"), s.errors().get(0));
  }

  /**
   * A client that goes silent and answers again, over and over: each silence is reported (an
   * event each), but its connection's summary keeps at most MAX_ERRORS lines and one saying more
   * were not listed, however long the connection lives.
   */
  @Test
  void aClientSilentAgainAndAgainKeepsItsSummaryBounded() throws Exception {
    Server server = BlightTestSupport.startServer(kit, Transport.TCP4.listenAddress(dir),
        BlightSettings.defaults().withPingInterval(Duration.ofMillis(5)), null);
    int episodes = BlightServerConnection.MAX_ERRORS + 8;
    try (RawPeer flaky = RawPeer.connect(server.address())) {
      for (int k = 0; k < episodes; k++) {
        server.await(ClientUnresponsive.class); // silent for two intervals: reported
        flaky.drainQuietly();
        List<BlightFrame> pings = flaky.frames();
        flaky.write(BlightEncoder.ack(pings.get(pings.size() - 1).ackid(), new byte[0])); // and back
        BlightTestSupport.sleep(2);
      }
    }
    ConnectionSummary s = server.await(ClientFinished.class).summary();
    assertEquals(BlightServerConnection.MAX_ERRORS + 1, s.errors().size(), s.errors().toString());
    assertTrue(s.errors().get(BlightServerConnection.MAX_ERRORS).contains("more errors not listed"),
        s.errors().toString());
    server.stop(kit);
  }

  @Test
  void ackTimeoutsLateAcksDuplicateAckidsAndAcksLostWithTheConnection() throws Exception {
    try (RawServer raw = new RawServer(Transport.TCP4, dir)) {
      Client client = BlightTestSupport.connect(kit, raw.address,
          BlightSettings.defaults().withAckTimeout(Duration.ofMillis(200)));
      try (RawPeer server = raw.accept()) {
        TestProbe<ClientReply> probe = kit.createTestProbe();
        NativeBuffer id = surfaceId(1);
        client.ref().tell(Request.of(BlightType.INFO, id, 1, probe.getRef()));
        Sent sent = probe.expectMessageClass(Sent.class, WAIT);
        assertEquals(id, sent.payload());
        assertEquals(1, sent.ackid(), "the first assigned ackid is 1");
        AckTimedOut timedOut = probe.expectMessageClass(AckTimedOut.class, WAIT);
        assertTrue(timedOut.after().toMillis() >= 190, timedOut.toString());

        byte[] wire = server.awaitBytes(BlightHeader.SIZE + 2);
        assertEquals(new BlightFrame(BlightHeader.of(BlightType.INFO, 1, 2), BlightPayloads.encodeSurfaceId(1)),
            server.frames().get(0), "header and payload on the wire, host order");
        assertEquals(BlightHeader.SIZE + 2, wire.length);

        server.write(BlightEncoder.ack(1, new byte[0])); // too late
        server.write(BlightEncoder.message(BlightType.PING, 77)); // the client must answer
        byte[] all = server.awaitBytes(BlightHeader.SIZE + 2 + BlightHeader.SIZE);
        assertEquals(BlightHeader.SIZE * 2 + 2, all.length);
        BlightFrame pong = server.frames().get(1);
        assertEquals(BlightType.ACK, pong.type());
        assertEquals(77, pong.ackid());

        TestProbe<ClientStats> stats = kit.createTestProbe();
        client.ref().tell(new GetClientStats(stats.getRef()));
        ClientStats st = stats.receiveMessage(WAIT);
        assertEquals(1, st.lateAcks());
        assertEquals(1, st.ackTimeouts());
        assertEquals(1, st.pingsAnswered());

        client.ref().tell(Request.of(BlightType.INFO, id, 2, probe.getRef()).withAckid(42)
            .withAckTimeout(Duration.ofSeconds(30)));
        NativeBuffer id2 = surfaceId(2);
        client.ref().tell(Request.of(BlightType.INFO, id2, 3, probe.getRef()).withAckid(42));
        Rejected dup = null;
        Sent sent2 = null;
        for (int i = 0; i < 2; i++) { // in either order
          ClientReply m = probe.receiveMessage(WAIT);
          if (m instanceof Rejected rj) {
            dup = rj;
          } else {
            sent2 = assertInstanceOf(Sent.class, m);
          }
        }
        assertEquals(3, dup.correlationId());
        assertTrue(dup.reason().contains("ackid 42 already awaits an ack"), dup.reason());
        assertEquals(id2, dup.payload());
        assertEquals(42, sent2.ackid());
        server.awaitBytes(BlightHeader.SIZE * 3 + 4);
        server.channel.close(); // the server goes away with an ack owed
        AckLost lost = probe.expectMessageClass(AckLost.class, WAIT);
        assertEquals(2, lost.correlationId());
        ClientClosed closed = client.await(ClientClosed.class);
        assertEquals("peer closed", closed.how());

        id.release();
        id2.release();
      }
    }
  }

  /**
   * One timer serves every awaited ack (AckDeadlines): a request with a short timeout sent after
   * one with a long timeout times out on its own deadline, not the long one's; an ack that comes
   * in time resolves its request and its deadline with it; the long one is still awaited.
   */
  @Test
  void eachAwaitedAckTimesOutOnItsOwnDeadline() throws Exception {
    try (RawServer raw = new RawServer(Transport.TCP4, dir)) {
      Client client = BlightTestSupport.connect(kit, raw.address, BlightSettings.defaults());
      try (RawPeer server = raw.accept()) {
        TestProbe<ClientReply> probe = kit.createTestProbe();
        NativeBuffer id = surfaceId(1);
        client.ref().tell(Request.of(BlightType.INFO, id, 1, probe.getRef()).withAckid(10)
            .withAckTimeout(Duration.ofSeconds(60)));
        client.ref().tell(Request.of(BlightType.INFO, id, 2, probe.getRef()).withAckid(11)
            .withAckTimeout(Duration.ofSeconds(30)));
        client.ref().tell(Request.of(BlightType.INFO, id, 3, probe.getRef()).withAckid(12)
            .withAckTimeout(Duration.ofMillis(150)));
        for (int i = 0; i < 3; i++) {
          probe.expectMessageClass(Sent.class, WAIT);
        }
        server.awaitBytes(3 * (BlightHeader.SIZE + 2));
        server.write(BlightEncoder.ack(11, new byte[0])); // 11 answered in time
        AckReceived acked = probe.expectMessageClass(AckReceived.class, WAIT);
        assertEquals(2, acked.correlationId());
        AckTimedOut shortOne = probe.expectMessageClass(AckTimedOut.class, WAIT); // 150 ms, not 60 s
        assertEquals(3, shortOne.correlationId());
        assertTrue(shortOne.after().toMillis() >= 140, shortOne.toString());
        probe.expectNoMessage(Duration.ofMillis(300)); // 10 still awaits its 60 s; 11's deadline went with its ack
        TestProbe<ClientStats> stats = kit.createTestProbe();
        client.ref().tell(new GetClientStats(stats.getRef()));
        ClientStats st = stats.receiveMessage(WAIT);
        assertEquals(1, st.ackTimeouts());
        server.write(BlightEncoder.ack(10, new byte[0]));
        assertEquals(1, probe.expectMessageClass(AckReceived.class, WAIT).correlationId());
        id.release();
      }
    }
  }

  @Test
  void aServerThatBreaksTheProtocolGetsOneErrorAndEveryBufferItsOutcome() throws Exception {
    try (RawServer raw = new RawServer(Transport.UNIX, dir)) {
      Client client = BlightTestSupport.connect(kit, raw.address, BlightSettings.defaults());
      try (RawPeer server = raw.accept()) {
        TestProbe<ClientReply> probe = kit.createTestProbe();
        NativeBuffer id = surfaceId(9);
        client.ref().tell(Request.of(BlightType.DELETE, id, 1, probe.getRef()));
        assertInstanceOf(Sent.class, probe.receiveMessage(WAIT));
        server.awaitBytes(BlightHeader.SIZE + 2);
        server.write(new BlightHeader(42, 1, 0).encode());
        ClientFault fault = client.await(ClientFault.class);
        assertEquals(BlightProtocolException.Fault.UNKNOWN_TYPE, fault.fault());
        assertTrue(fault.message().contains("unknown message type 42"), fault.message());
        assertTrue(fault.message().startsWith("blight client "), fault.message());
        AckLost lost = probe.expectMessageClass(AckLost.class, WAIT);
        assertEquals(1, lost.correlationId());
        ClientClosed closed = client.await(ClientClosed.class);
        assertTrue(closed.how().startsWith("protocol fault"), closed.how());
        server.awaitEof();

        client.ref().tell(Request.of(BlightType.PING, null, 2, probe.getRef()));
        probe.expectNoMessage(Duration.ofMillis(100)); // the client has stopped: dead letters
        id.release();
      }
    }
  }
}
