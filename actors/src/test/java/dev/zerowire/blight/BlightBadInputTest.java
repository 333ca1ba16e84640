package dev.zerowire.blight;

import static dev.zerowire.blight.BlightTestSupport.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerowire.blight.BlightProtocol.AckReceived;
import dev.zerowire.blight.BlightProtocol.ClientClosed;
import dev.zerowire.blight.BlightProtocol.ClientFinished;
import dev.zerowire.blight.BlightProtocol.ClientReply;
import dev.zerowire.blight.BlightProtocol.CloseClient;
import dev.zerowire.blight.BlightProtocol.ConnectionFault;
import dev.zerowire.blight.BlightProtocol.ConnectionSummary;
import dev.zerowire.blight.BlightProtocol.Request;
import dev.zerowire.blight.BlightProtocol.Sent;
import dev.zerowire.blight.BlightProtocol.ServerSummary;
import dev.zerowire.blight.BlightProtocolException.Fault;
import dev.zerowire.blight.BlightTestSupport.Client;
import dev.zerowire.blight.BlightTestSupport.RawPeer;
import dev.zerowire.blight.BlightTestSupport.Server;
import dev.zerowire.blight.BlightTestSupport.Transport;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input on one connection: two clients are connected, one good (a zerowire client) and one
 * raw socket that sends a few valid messages, then a fault. The fault gets one clear error naming
 * the connection, the raw connection is closed after the acks of its valid messages, and the good
 * client never notices.
 */
class BlightBadInputTest {
  static final ActorTestKit kit = ActorTestKit.create();

  @TempDir
  Path dir;

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  /** One kind of bad input: the bytes after the valid prefix, and the fault they must raise. */
  enum BadInput {
    UNKNOWN_TYPE(Fault.UNKNOWN_TYPE, "unknown message type 42") {
      @Override
      byte[] bytes(Random r) {
        return new BlightHeader(42, 7, 0).encode();
      }
    },
    MISSING_PAYLOAD(Fault.MISSING_PAYLOAD, "Repaint (type 3) must carry a payload but size is 0") {
      @Override
      byte[] bytes(Random r) {
        return BlightHeader.of(BlightType.REPAINT, 8, 0).encode();
      }
    },
    OVERSIZE(Fault.OVERSIZE, "message size 4294967280 exceeds the maximum 67108864") {
      @Override
      byte[] bytes(Random r) {
        return BlightHeader.of(BlightType.REPAINT, 9, 0xFFFF_FFF0L).encode();
      }
    },
    TRUNCATED(Fault.TRUNCATED, "stream ended mid-message: 100 of 4096 payload bytes of Repaint ackid 10") {
      @Override
      byte[] bytes(Random r) {
        byte[] m = BlightEncoder.message(BlightType.REPAINT, 10, TestPattern.payload(10, 4096));
        return java.util.Arrays.copyOf(m, BlightHeader.SIZE + 100);
      }
    },
    GARBAGE(null, "") {
      @Override
      byte[] bytes(Random r) {
        byte[] b = new byte[1000];
        r.nextBytes(b);
        b[0] = 99; // a first header that is never valid, whatever the seed
        b[1] = b[2] = b[3] = 0;
        return b;
      }
    };

    final Fault fault;
    final String text;

    BadInput(Fault fault, String text) {
      this.fault = fault;
      this.text = text;
    }

    abstract byte[] bytes(Random r);
  }

  static Stream<Arguments> cases() {
    return Stream.of(Transport.TCP4, Transport.UNIX)
        .flatMap(t -> Stream.of(BadInput.values()).map(b -> Arguments.of(t, b)));
  }

  @ParameterizedTest(name = "{1} over {0}")
  @MethodSource("cases")
  void oneClientsBadInputClosesOnlyItsConnection(Transport t, BadInput bad) throws Exception {
    long seed = BlightStreams.seed();
    Server server = BlightTestSupport.startServer(kit, t.listenAddress(dir), BlightSettings.defaults(), null);
    Client good = BlightTestSupport.connect(kit, server.address(), BlightSettings.defaults());
    BlightProtocol.ClientAccepted goodConnection = server.await(BlightProtocol.ClientAccepted.class);

    try (RawPeer raw = RawPeer.connect(server.address())) {
      BlightProtocol.ClientAccepted rawConnection = server.await(BlightProtocol.ClientAccepted.class);
      raw.write(BlightEncoder.message(BlightType.PING, 5));
      raw.write(BlightEncoder.message(BlightType.REPAINT, 6, TestPattern.payload(6, 4096)));
      if (bad == BadInput.TRUNCATED) {
        // the socket refuses sends once the peer half-closed (see the report): collect the acks first
        raw.awaitBytes(2 * BlightHeader.SIZE);
      }
      raw.write(bad.bytes(new Random(seed)));
      if (bad == BadInput.TRUNCATED) {
        raw.channel.shutdownOutput();
      }

      ConnectionFault f = server.await(ConnectionFault.class);
      assertEquals(rawConnection.connectionId(), f.connectionId(), "seed " + seed);
      if (bad.fault != null) {
        assertEquals(bad.fault, f.fault(), f.message());
      }
      assertTrue(f.message().startsWith(rawConnection.connection() + ": " + bad.text), f.message());
      assertTrue(f.message().endsWith("; connection closed"), f.message());

      raw.awaitEof();
      List<BlightFrame> acks = raw.frames().stream().filter(x -> x.type() == BlightType.ACK).toList();
      assertEquals(List.of(5L, 6L), acks.stream().map(BlightFrame::ackid).toList(),
          "the valid messages before the fault are still acked");
    }

    // The good client carries on, on the same server.
    TestProbe<ClientReply> probe = kit.createTestProbe();
    good.ref().tell(Request.of(BlightType.LIST, null, 1, probe.getRef()));
    assertTrue(probe.receiveMessage(WAIT) instanceof Sent);
    assertTrue(probe.receiveMessage(WAIT) instanceof AckReceived);
    TestProbe<BlightLoad.Result> done = kit.createTestProbe();
    kit.spawn(BlightLoad.create(good.ref(), BlightLoad.Spec.of(BlightType.REPAINT, 50, 8192), done.getRef()));
    BlightLoad.Result r = done.receiveMessage(WAIT);
    assertTrue(r.ok(), r.toString());
    good.ref().tell(new CloseClient(null));
    ClientClosed closed = good.await(ClientClosed.class);
    assertEquals(0, closed.stats().sendFailed() + closed.stats().rejected() + closed.stats().acksLost());

    server.await(ClientFinished.class);
    ServerSummary s = server.stop(kit);
    assertEquals(2, s.connections());
    assertEquals(1, s.errors().size(), s.errors().toString());
    ConnectionSummary goodSummary = s.perConnection().stream()
        .filter(c -> c.id() == goodConnection.connectionId()).findFirst().orElseThrow();
    assertEquals(List.of(), goodSummary.errors());
    assertEquals(r.checksum(), goodSummary.checksum(), "the good connection's bytes arrived intact");
    ConnectionSummary badSummary = s.perConnection().stream()
        .filter(c -> c.id() != goodConnection.connectionId()).findFirst().orElseThrow();
    assertEquals(2, badSummary.acksSent());
    assertEquals(2, badSummary.messages(), "the two valid messages were decoded, nothing after the fault");
    assertTrue(badSummary.how().startsWith("protocol fault"), badSummary.how());
  }
}
