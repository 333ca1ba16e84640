package dev.zerowire.blight;

import static dev.zerowire.blight.BlightTestSupport.WAIT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerowire.blight.BlightProtocol.AckReceived;
import dev.zerowire.blight.BlightProtocol.ClientClosed;
import dev.zerowire.blight.BlightProtocol.ClientReply;
import dev.zerowire.blight.BlightProtocol.CloseClient;
import dev.zerowire.blight.BlightProtocol.Request;
import dev.zerowire.blight.BlightProtocol.RequestOutcome;
import dev.zerowire.blight.BlightProtocol.Sent;
import dev.zerowire.blight.BlightProtocol.ServerSummary;
import dev.zerowire.blight.BlightTestSupport.Client;
import dev.zerowire.blight.BlightTestSupport.Server;
import dev.zerowire.blight.BlightTestSupport.Transport;
import dev.zerowire.actors.SocketOptions;
import dev.zerowire.actors.SocketProtocol;
import dev.zerowire.actors.ZeroWire;
import dev.zerowire.blight.BlightProtocol.ConnectionSummary;
import dev.zerowire.nativeio.Kernel;
import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.NativeSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A zerowire blight client against a zerowire blight server over real sockets: TCP over IPv4 and
 * IPv6 (zero copy applies) and AF_UNIX (blight's own transport: the copy path).
 */
class BlightClientServerTest {
  static final ActorTestKit kit = ActorTestKit.create();

  @TempDir
  Path dir;

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void conformanceVectorThroughARealClientServerRun(Transport t) {
    Server server = BlightTestSupport.startServer(kit, t.listenAddress(dir), BlightSettings.defaults(), null);
    Client client = BlightTestSupport.connect(kit, server.address(), BlightSettings.defaults());

    TestProbe<BlightLoad.Result> done = kit.createTestProbe();
    kit.spawn(BlightLoad.create(client.ref(), BlightLoad.Spec.of(BlightType.REPAINT, 1000, 4096).withWindow(64),
        done.getRef()));
    BlightLoad.Result r = done.expectMessageClass(BlightLoad.Result.class, WAIT);
    assertTrue(r.ok(), r.toString());
    assertEquals(ConformanceVectorTest.EXPECTED, r.checksum());
    assertEquals(1000, r.messages());
    assertEquals(1000, r.released());
    assertEquals(4096L * 1000, r.bytes());

    client.ref().tell(new CloseClient(null));
    ClientClosed closed = client.await(ClientClosed.class);
    assertEquals(1001, closed.stats().acksReceived(), "one ack per Repaint and one for the final Ping");
    assertEquals(1000 * (12L + 4096) + 12 + 12 * closed.stats().pingsAnswered(), closed.stats().socket().bytes());

    server.await(BlightProtocol.ClientFinished.class);
    ServerSummary s = server.stop(kit);
    assertEquals(ConformanceVectorTest.EXPECTED, s.checksum());
    assertEquals(1000, s.types().get("repaint"));
    assertEquals(1, s.types().get("ping"));
    assertEquals(4096L * 1000, s.bytes());
    assertEquals(1001, s.acksSent());
    assertEquals(List.of(), s.errors());
  }

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = {"TCP4", "UNIX"})
  void whenTheServerGoesAwayMidStreamEveryPayloadStillComesBack(Transport t) {
    Server server = BlightTestSupport.startServer(kit, t.listenAddress(dir), BlightSettings.defaults(), null);
    Client client = BlightTestSupport.connect(kit, server.address(), BlightSettings.defaults());
    TestProbe<BlightLoad.Result> done = kit.createTestProbe();
    kit.spawn(BlightLoad.create(client.ref(), BlightLoad.Spec.of(BlightType.REPAINT, 1_000_000, 16 * 1024)
        .withWindow(64), done.getRef()));
    BlightTestSupport.sleep(150);
    ServerSummary s = server.stop(kit);
    BlightLoad.Result r = done.expectMessageClass(BlightLoad.Result.class, WAIT);
    assertFalse(r.ok());
    assertFalse(r.finalPingAcked());
    assertEquals(r.messages(), r.released() + r.failed(), "every request is accounted for: " + r);
    assertTrue(r.failed() > 0, r.toString());
    assertTrue(r.released() >= s.messages(), "what the server decoded had left the client: " + r + " " + s);
    ClientClosed closed = client.await(ClientClosed.class);
    assertEquals(r.released(), closed.stats().sent(), "every Sent reached the load");

  }

  @Test
  void serverConnectionsReadLargerChunksUnlessSocketOptionsAreGiven() {
    SocketOptions system = ZeroWire.get(kit.system()).defaultOptions();
    BlightSettings defaults = BlightSettings.defaults();
    assertEquals(BlightSettings.SERVER_READ_BUFFER_SIZE,
        defaults.resolveServerSocketOptions(kit.system()).readBufferSize());
    assertTrue(BlightSettings.SERVER_READ_BUFFER_SIZE > BlightHeader.SIZE + 64 * 1024,
        "a 64 KiB Repaint fits one read");
    assertEquals(system.readBufferSize(), defaults.resolveSocketOptions(kit.system()).readBufferSize(),
        "a client reads acks: the system's size");
    assertTrue(defaults.resolveServerSocketOptions(kit.system()).tcpNoDelay(), "the rest as for any blight socket");
    SocketOptions given = system.withReadBufferSize(8192);
    assertEquals(8192, defaults.withSocketOptions(given).resolveServerSocketOptions(kit.system()).readBufferSize(),
        "given options are taken as they are");
  }

  @Test
  void overASocketpairAsOxideHandsItsClientsTheirSocket() throws Exception {
    TestProbe<BlightProtocol.ServerEvent> events = kit.createTestProbe();
    var server = kit.spawn(BlightServer.create(List.of(), BlightSettings.defaults(), null, events.getRef()));
    events.expectMessageClass(BlightProtocol.ServerBound.class, WAIT);
    NativeSocket[] pair = NativeSocket.socketpair(Kernel.SOCK_STREAM);
    TestProbe<SocketProtocol.ConnectReply> adopted = kit.createTestProbe();
    ZeroWire.get(kit.system()).manager().tell(new SocketProtocol.Adopt(pair[0],
        BlightSettings.defaults().resolveServerSocketOptions(kit.system()), adopted.getRef()));
    SocketProtocol.Connected c = adopted.expectMessageClass(SocketProtocol.Connected.class, WAIT);
    server.tell(new BlightProtocol.AttachClient(c.socket(), null, c.zeroCopy()));
    assertEquals("blight connection #1 (unnamed peer)",
        BlightTestSupport.awaitEvent(events, BlightProtocol.ClientAccepted.class).connection());

    TestProbe<BlightProtocol.ClientEvent> clientEvents = kit.createTestProbe();
    var client = kit.spawn(BlightClient.adopt(pair[1], BlightSettings.defaults(), clientEvents.getRef()));
    BlightProtocol.ClientConnected connected =
        clientEvents.expectMessageClass(BlightProtocol.ClientConnected.class, WAIT);
    assertFalse(connected.zeroCopy(), "AF_UNIX has no SO_ZEROCOPY: the copy path");
    TestProbe<BlightLoad.Result> done = kit.createTestProbe();
    kit.spawn(BlightLoad.create(client, BlightLoad.Spec.of(BlightType.REPAINT, 1000, 4096), done.getRef()));
    BlightLoad.Result r = done.expectMessageClass(BlightLoad.Result.class, WAIT);
    assertTrue(r.ok(), r.toString());
    assertEquals(ConformanceVectorTest.EXPECTED, r.checksum());
    client.tell(new CloseClient(null));
    BlightTestSupport.awaitEvent(clientEvents, ClientClosed.class);
    ConnectionSummary s = BlightTestSupport.awaitEvent(events, BlightProtocol.ClientFinished.class).summary();
    assertEquals(ConformanceVectorTest.EXPECTED, s.checksum());
    assertEquals(1001, s.acksSent());
    server.tell(new BlightProtocol.StopServer(null));
    BlightTestSupport.awaitEvent(events, BlightProtocol.ServerStopped.class);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void everyTypeIsAckedAsTheDisplayServerDoes(Transport t) {
    Server server = BlightTestSupport.startServer(kit, t.listenAddress(dir), BlightSettings.defaults(), null);
    Client client = BlightTestSupport.connect(kit, server.address(), BlightSettings.defaults());
    TestProbe<ClientReply> probe = kit.createTestProbe();
    List<NativeBuffer> buffers = new ArrayList<>();
    long corr = 0;
    for (BlightType type : BlightType.values()) {
      if (!type.serverAcks()) {
        continue;
      }
      byte[] payload = switch (type) {
        case REPAINT -> new Repaint(0, 0, 100, 100, 1, 0, 0, 7, 1).encode();
        case MOVE -> new Move(1, 10, 20).encode();
        case INFO, DELETE, RAISE, LOWER -> BlightPayloads.encodeSurfaceId(1);
        case WAIT -> BlightPayloads.encodeMarker(7);
        default -> null;
      };
      NativeBuffer b = null;
      if (payload != null) {
        b = NativeBuffer.allocate(payload.length);
        b.put(0, payload, 0, payload.length);
        buffers.add(b);
      }
      corr++;
      client.ref().tell(Request.of(type, b, corr, probe.getRef()).awaitingAck(true));
      RequestOutcome o = null;
      AckReceived ack = null;
      for (int i = 0; i < 2; i++) {
        ClientReply m = probe.receiveMessage(WAIT);
        if (m instanceof RequestOutcome ro) {
          o = ro;
        } else {
          ack = (AckReceived) m;
        }
      }
      assertTrue(o instanceof Sent, type + ": " + o);
      assertEquals(b, o.payload(), "the payload comes back with its outcome");
      assertEquals(corr, ack.correlationId());
      assertEquals(o.ackid(), ack.ackid());
      switch (type) {
        case INFO -> assertEquals(BlightHandlers.DEFAULT_SURFACE, SurfaceInfo.decode(ack.data()));
        case LIST -> assertArrayEquals(BlightHandlers.DEFAULT_SURFACE_IDS,
            BlightPayloads.decodeSurfaceIds(ack.data()));
        default -> assertEquals(0, ack.data().length, type + " ack carries no data");
      }
    }
    assertEquals(corr, 11 - 1, "every type but Invalid and Ack");
    client.ref().tell(new CloseClient(null));
    ClientClosed closed = client.await(ClientClosed.class);
    assertEquals(0, closed.stats().ackTimeouts());
    assertFalse(closed.stats().acksReceived() < corr);
    buffers.forEach(NativeBuffer::release);
    server.await(BlightProtocol.ClientFinished.class);
    ServerSummary s = server.stop(kit);
    assertEquals(corr, s.messages() - s.pingAcks());
    assertEquals(List.of(), s.errors());
  }
}
