package dev.zerowire.blight;

import static dev.zerowire.blight.BlightTestSupport.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerowire.actors.PlainPeer;
import dev.zerowire.blight.BlightProtocol.AbortClient;
import dev.zerowire.blight.BlightProtocol.ClientClosed;
import dev.zerowire.blight.BlightProtocol.ClientCommand;
import dev.zerowire.blight.BlightProtocol.ClientConnected;
import dev.zerowire.blight.BlightProtocol.ClientEvent;
import dev.zerowire.blight.BlightProtocol.ClientReply;
import dev.zerowire.blight.BlightProtocol.CloseClient;
import dev.zerowire.blight.BlightProtocol.Rejected;
import dev.zerowire.blight.BlightProtocol.Request;
import dev.zerowire.blight.BlightProtocol.RequestOutcome;
import dev.zerowire.blight.BlightProtocol.Requests;
import dev.zerowire.blight.BlightProtocol.Sent;
import dev.zerowire.blight.BlightProtocol.ServerSummary;
import dev.zerowire.blight.BlightRequestsTest.Outcomes;
import dev.zerowire.blight.BlightTestSupport.Client;
import dev.zerowire.blight.BlightTestSupport.Server;
import dev.zerowire.blight.BlightTestSupport.Transport;
import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.NativeSocket;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The client's own queue is bounded ({@link BlightLimits#maxQueuedRequests()}): a caller that does
 * not pace itself by outcomes gets one Rejected per request past the bound, naming it, and nothing
 * of those is written; the bound is on requests without outcome, so it frees as outcomes come.
 * Real client, real sockets: a blight server, and an AF_UNIX listener whose full backlog keeps the
 * client connecting.
 */
class BlightClientQueueBoundTest {
  static final ActorTestKit kit = ActorTestKit.create();

  @TempDir
  Path dir;

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  private static final byte[] REPAINT = new Repaint(0, 0, 1, 1, 1, 0, 0, 1, 1).encode();

  private static List<Request> repaints(int from, int to, TestProbe<ClientReply> probe, List<NativeBuffer> owned) {
    List<Request> l = new ArrayList<>();
    for (int k = from; k <= to; k++) {
      l.add(Request.of(BlightType.REPAINT, BlightRequestsTest.payload(REPAINT, owned), k, probe.getRef()));
    }
    return l;
  }

  private static BlightSettings bound(int n) {
    return BlightSettings.defaults().withLimits(BlightLimits.defaults().withMaxQueuedRequests(n));
  }

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = {"TCP4", "UNIX"})
  void requestsPastTheBoundAreRejectedNamingItAndTheBoundFreesWithOutcomes(Transport t) {
    Server server = BlightTestSupport.startServer(kit, t.listenAddress(dir), BlightSettings.defaults(), null);
    Client client = BlightTestSupport.connect(kit, server.address(), bound(8));
    TestProbe<ClientReply> probe = kit.createTestProbe();
    List<NativeBuffer> owned = new ArrayList<>();

    List<Request> flood = repaints(1, 13, probe, owned); // one message: no outcome can come in between
    client.ref().tell(new Requests(flood));
    Outcomes o = new Outcomes();
    o.await(probe, 13, 0);
    for (Request r : flood) {
      RequestOutcome out = o.byId.get(r.correlationId());
      assertSame(r.payload(), out.payload(), "the payload comes back with its outcome");
      if (r.correlationId() <= 8) {
        assertTrue(out instanceof Sent, r.correlationId() + ": " + out);
        assertEquals(r.correlationId(), out.ackid(), "ackids in request order");
      } else {
        Rejected rej = (Rejected) out;
        assertTrue(rej.reason().contains("8 requests without outcome")
            && rej.reason().contains("max queued requests 8"), rej.reason());
        assertEquals(0, rej.ackid(), "a rejected request takes no ackid");
      }
    }

    List<Request> next = repaints(101, 108, probe, owned); // the first eight have their outcomes: room again
    client.ref().tell(new Requests(next));
    Outcomes o2 = new Outcomes();
    o2.await(probe, 8, 0);
    o2.byId.values().forEach(r -> assertTrue(r instanceof Sent, r.toString()));
    probe.expectNoMessage(Duration.ofMillis(100)); // nothing twice

    client.ref().tell(new CloseClient(null));
    client.await(ClientClosed.class);
    server.await(BlightProtocol.ClientFinished.class);
    ServerSummary s = server.stop(kit);
    assertEquals(16, s.types().get("repaint"), "the rejected five never reached the wire");
    owned.forEach(NativeBuffer::release);
  }

  /**
   * A server that reads every byte and never acks: requests that await their acks count against
   * the bound too, once sent, so a caller pacing itself by outcomes alone is still stopped.
   */
  @Test
  void requestsAwaitingAcksCountAgainstTheBoundOnceSent() throws Exception {
    try (BlightTestSupport.RawServer raw = new BlightTestSupport.RawServer(Transport.UNIX, dir)) {
      Client client = BlightTestSupport.connect(kit, raw.address, bound(4));
      try (BlightTestSupport.RawPeer server = raw.accept()) {
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread reader = Thread.ofVirtual().start(() -> { // reads everything, answers nothing
          while (!stop.get()) {
            try {
              server.drainQuietly();
              Thread.sleep(2);
            } catch (Exception e) {
              return;
            }
          }
        });
        TestProbe<ClientReply> probe = kit.createTestProbe();
        List<NativeBuffer> owned = new ArrayList<>();
        for (int k = 1; k <= 4; k++) { // one at a time, each only after the last one's outcome
          client.ref().tell(Request.of(BlightType.INFO, BlightRequestsTest.payload(
              BlightPayloads.encodeSurfaceId(1), owned), k, probe.getRef()));
          assertTrue(probe.receiveMessage(WAIT) instanceof Sent);
        }
        client.ref().tell(Request.of(BlightType.INFO, BlightRequestsTest.payload(BlightPayloads.encodeSurfaceId(1),
            owned), 5, probe.getRef()));
        Rejected rej = (Rejected) probe.receiveMessage(WAIT);
        assertEquals(5, rej.correlationId());
        assertTrue(rej.reason().contains("4 requests awaiting their acks")
            && rej.reason().contains("max queued requests 4"), rej.reason());
        client.ref().tell(Request.of(BlightType.REPAINT, BlightRequestsTest.payload(REPAINT, owned), 6,
            probe.getRef()));
        assertTrue(probe.receiveMessage(WAIT) instanceof Sent, "a request that awaits no ack still goes");
        stop.set(true);
        reader.join();
        client.ref().tell(new AbortClient("the test is over", null));
        client.await(ClientClosed.class);
        owned.forEach(NativeBuffer::release);
      }
    }
  }

  /**
   * While connecting (an AF_UNIX listener with its backlog full, so the connect waits), requests
   * are queued up to the bound, as if told one by one: the part of a batch that fits waits, the
   * rest and every later one is rejected at once. Once connected, what waited is written, and only
   * that.
   */
  @Test
  void whileConnectingRequestsPastTheBoundAreRejectedAtOnce() throws Exception {
    Path path = dir.resolve("full.sock");
    try (NativeSocket listener = NativeSocket.unixStream(); NativeSocket first = NativeSocket.unixStream()) {
      listener.bind(UnixDomainSocketAddress.of(path));
      listener.listen(0); // one pending connection fills it (unix_recvq_full: queue length > backlog)
      assertTrue(first.connect(UnixDomainSocketAddress.of(path)));
      TestProbe<ClientEvent> events = kit.createTestProbe();
      ActorRef<ClientCommand> client = kit.spawn(BlightClient.connect(UnixDomainSocketAddress.of(path), bound(4),
          events.getRef()));
      TestProbe<ClientReply> probe = kit.createTestProbe();
      List<NativeBuffer> owned = new ArrayList<>();

      client.tell(new Requests(repaints(1, 5, probe, owned)));
      client.tell(repaints(6, 6, probe, owned).get(0));
      Outcomes early = new Outcomes();
      early.await(probe, 2, 0); // while the connect still waits for the backlog
      for (long id : new long[] {5, 6}) {
        Rejected rej = (Rejected) early.byId.get(id);
        assertTrue(rej.reason().contains("4 requests queued while connecting")
            && rej.reason().contains("max queued requests 4"), rej.reason());
      }
      TestProbe<BlightProtocol.ClientStats> stats = kit.createTestProbe();
      client.tell(new BlightProtocol.GetClientStats(stats.getRef()));
      assertEquals(0, stats.receiveMessage(WAIT).requests(), "stats are answered while connecting, not queued");
      // The stash has room for 4 + 1,024 entries; the four requests take one. Fill the rest with
      // closes: one more, past it, still hears ClientClosed.
      TestProbe<ClientEvent> lastClose = kit.createTestProbe();
      for (int k = 0; k < 1027; k++) {
        client.tell(new CloseClient(null));
      }
      client.tell(new CloseClient(lastClose.getRef()));
      events.expectNoMessage(Duration.ofMillis(100)); // still connecting: the rejections came first

      try (NativeSocket ahead = PlainPeer.acceptOne(listener)) {
        assertNotNull(ahead, "the connection that filled the backlog");
      }
      BlightTestSupport.awaitEvent(events, ClientConnected.class);
      try (NativeSocket ours = PlainPeer.acceptOne(listener)) {
        Outcomes sent = new Outcomes();
        sent.await(probe, 4, 0);
        for (long id = 1; id <= 4; id++) {
          assertTrue(sent.byId.get(id) instanceof Sent, id + ": " + sent.byId.get(id));
        }
        int frame = BlightHeader.SIZE + REPAINT.length;
        assertEquals(4 * frame, ours.readableBytes(), "the four that waited, and nothing of the rejected two");
        ours.shutdownOutput(); // the client's close waits for our end of stream
        BlightTestSupport.awaitEvent(events, ClientClosed.class);
        BlightTestSupport.awaitEvent(lastClose, ClientClosed.class);
      }
      owned.forEach(NativeBuffer::release);
    }
  }
}
