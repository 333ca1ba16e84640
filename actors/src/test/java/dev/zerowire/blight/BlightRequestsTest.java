package dev.zerowire.blight;

import static dev.zerowire.blight.BlightTestSupport.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.zerowire.blight.BlightProtocol.AckReceived;
import dev.zerowire.blight.BlightProtocol.ClientClosed;
import dev.zerowire.blight.BlightProtocol.ClientCommand;
import dev.zerowire.blight.BlightProtocol.ClientEvent;
import dev.zerowire.blight.BlightProtocol.ClientReply;
import dev.zerowire.blight.BlightProtocol.CloseClient;
import dev.zerowire.blight.BlightProtocol.Rejected;
import dev.zerowire.blight.BlightProtocol.Request;
import dev.zerowire.blight.BlightProtocol.RequestOutcome;
import dev.zerowire.blight.BlightProtocol.RequestOutcomes;
import dev.zerowire.blight.BlightProtocol.Requests;
import dev.zerowire.blight.BlightProtocol.Sent;
import dev.zerowire.blight.BlightProtocol.ServerSummary;
import dev.zerowire.blight.BlightTestSupport.Client;
import dev.zerowire.blight.BlightTestSupport.Server;
import dev.zerowire.blight.BlightTestSupport.Transport;
import dev.zerowire.nativeio.NativeBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Requests}: many requests in one message behave exactly as the same requests told one by
 * one (checks, ackids, wire order, one outcome each), their outcomes travel batched, and an
 * invalid one among them is rejected alone. Real client and server over real sockets.
 */
class BlightRequestsTest {
  static final ActorTestKit kit = ActorTestKit.create();

  @TempDir
  Path dir;

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  /** Collects request outcomes by correlation id, failing on a second outcome for one request. */
  static final class Outcomes {
    final Map<Long, RequestOutcome> byId = new HashMap<>();
    final List<AckReceived> acks = new ArrayList<>();
    int messages;
    int batches;

    void add(ClientReply m) {
      messages++;
      switch (m) {
        case RequestOutcomes b -> {
          assertTrue(b.outcomes().size() > 1, "a batch of one should have come alone");
          batches++;
          b.outcomes().forEach(this::addOne);
        }
        case RequestOutcome o -> addOne(o);
        case AckReceived a -> acks.add(a);
        default -> fail("unexpected " + m);
      }
    }

    private void addOne(RequestOutcome o) {
      RequestOutcome before = byId.put(o.correlationId(), o);
      if (before != null) {
        fail("two outcomes for request " + o.correlationId() + ": " + before + " and " + o);
      }
    }

    void await(TestProbe<ClientReply> probe, int outcomes, int acks) {
      while (byId.size() < outcomes || this.acks.size() < acks) {
        add(probe.receiveMessage(WAIT));
      }
    }
  }

  static NativeBuffer payload(byte[] bytes, List<NativeBuffer> owned) {
    NativeBuffer b = NativeBuffer.allocate(bytes.length);
    b.put(0, bytes, 0, bytes.length);
    owned.add(b);
    return b;
  }

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = {"TCP4", "UNIX"})
  void aBatchLeavesInOrderWithOneOutcomeEachAndAnInvalidRequestIsRejectedAlone(Transport t) {
    Server server = BlightTestSupport.startServer(kit, t.listenAddress(dir), BlightSettings.defaults(), null);
    Client client = BlightTestSupport.connect(kit, server.address(), BlightSettings.defaults());
    TestProbe<ClientReply> probe = kit.createTestProbe();
    List<NativeBuffer> owned = new ArrayList<>();
    Fnv1a64 expected = new Fnv1a64();
    List<Request> batch = new ArrayList<>();
    int repaints = 500;
    for (int k = 1; k <= repaints; k++) {
      byte[] p = new Repaint(k, k, 10, 10, 1, 0, 0, k, 1).encode();
      expected.update(p);
      batch.add(Request.of(BlightType.REPAINT, payload(p, owned), k, probe.getRef()));
      if (k == 200) { // a Repaint without its payload: invalid, in the middle
        batch.add(Request.of(BlightType.REPAINT, null, 1000, probe.getRef()));
      }
      if (k == 300) { // an Info that awaits its ack, in the middle
        byte[] id = BlightPayloads.encodeSurfaceId(1);
        expected.update(id);
        batch.add(Request.of(BlightType.INFO, payload(id, owned), 2000, probe.getRef()));
      }
    }
    client.ref().tell(new Requests(batch));

    Outcomes o = new Outcomes();
    o.await(probe, repaints + 2, 1);
    Rejected bad = (Rejected) o.byId.get(1000L);
    assertTrue(bad.reason().contains("must carry a payload"), bad.reason());
    assertNull(bad.payload());
    assertEquals(0, bad.ackid(), "a rejected request takes no ackid");
    long ackid = 0;
    for (Request r : batch) { // ackids in request order, the rejected one skipped
      RequestOutcome out = o.byId.get(r.correlationId());
      if (r.correlationId() == 1000) {
        continue;
      }
      assertTrue(out instanceof Sent, r.correlationId() + ": " + out);
      assertSame(r.payload(), out.payload(), "the payload comes back with its outcome");
      assertEquals(++ackid, out.ackid(), "request " + r.correlationId());
    }
    AckReceived info = o.acks.get(0);
    assertEquals(2000, info.correlationId());
    assertEquals(BlightHandlers.DEFAULT_SURFACE, SurfaceInfo.decode(info.data()));
    assertTrue(o.batches > 0 && o.messages < repaints / 2,
        (repaints + 2) + " outcomes in " + o.messages + " messages, " + o.batches + " batches");
    probe.expectNoMessage(java.time.Duration.ofMillis(100)); // nothing twice

    client.ref().tell(new CloseClient(null));
    client.await(ClientClosed.class);
    server.await(BlightProtocol.ClientFinished.class);
    ServerSummary s = server.stop(kit);
    assertEquals(repaints, s.types().get("repaint"));
    assertEquals(1, s.types().get("info"));
    assertEquals(expected.hex(), s.checksum(), "every payload arrived once, in request order");
    assertEquals(List.of(), s.errors());
    owned.forEach(NativeBuffer::release);
  }

  /** A batch told while connecting waits and leaves once connected; one told after CloseClient is rejected whole. */
  @Test
  void aBatchWaitsWhileConnectingAndIsRejectedWholeAfterClose() {
    Server server = BlightTestSupport.startServer(kit, Transport.UNIX.listenAddress(dir), BlightSettings.defaults(), null);
    TestProbe<ClientEvent> events = kit.createTestProbe();
    ActorRef<ClientCommand> client = kit.spawn(BlightClient.connect(server.address(), BlightSettings.defaults(),
        events.getRef()));
    TestProbe<ClientReply> probe = kit.createTestProbe();
    List<NativeBuffer> owned = new ArrayList<>();
    List<Request> early = new ArrayList<>();
    for (int k = 1; k <= 50; k++) {
      early.add(Request.of(BlightType.REPAINT, payload(new Repaint(0, 0, 1, 1, 1, 0, 0, k, 1).encode(), owned), k,
          probe.getRef()));
    }
    client.tell(new Requests(early)); // very likely before the connect completed; queued either way
    Outcomes o = new Outcomes();
    o.await(probe, 50, 0);
    o.byId.values().forEach(r -> assertTrue(r instanceof Sent, r.toString()));

    client.tell(new CloseClient(null));
    List<Request> late = new ArrayList<>();
    for (int k = 1; k <= 20; k++) {
      late.add(Request.of(BlightType.REPAINT, owned.get(k - 1), 100 + k, probe.getRef()));
    }
    client.tell(new Requests(late));
    Outcomes after = new Outcomes();
    after.await(probe, 20, 0);
    for (RequestOutcome r : after.byId.values()) {
      Rejected rej = (Rejected) r;
      assertTrue(rej.reason().contains("closing"), rej.reason());
    }
    BlightTestSupport.awaitEvent(events, ClientClosed.class);
    ServerSummary s = server.stop(kit);
    assertEquals(50, s.types().get("repaint"), "the rejected batch never reached the wire");
    owned.forEach(NativeBuffer::release);
  }
}
