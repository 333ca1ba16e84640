package dev.zerowire.blight;

import static dev.zerowire.blight.BlightTestSupport.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerowire.actors.PlainPeer;
import dev.zerowire.blight.BlightProtocol.ClientFinished;
import dev.zerowire.blight.BlightProtocol.ConnectionSummary;
import dev.zerowire.blight.BlightTestSupport.Server;
import dev.zerowire.blight.BlightTestSupport.Transport;
import dev.zerowire.nativeio.Kernel;
import dev.zerowire.nativeio.NativeSocket;
import java.net.SocketAddress;
import java.nio.file.Path;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A client that sends its requests and hangs up without reading a single ack (issue 8, break 1):
 * the server's acks then fail (EPIPE / ECONNRESET), and before the socket layer read what the
 * kernel still held, it lost the last tens of messages with no error. Every message the client
 * wrote must be counted, with the checksum of all of them.
 */
class BlightHangUpTest {
  static final ActorTestKit kit = ActorTestKit.create("BlightHangUpTest");

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Transport.class, names = {"TCP4", "UNIX"})
  void everyRequestOfAClientThatHangsUpIsCounted(Transport transport, @TempDir Path dir) throws Exception {
    Server server = BlightTestSupport.startServer(kit, transport.listenAddress(dir), BlightSettings.defaults(),
        kit.spawn(BlightHandlers.displayServer()));
    int n = 500;
    byte[] payload = new byte[4096];
    java.util.Arrays.fill(payload, (byte) 7);
    for (int rep = 0; rep < 3; rep++) {
      try (NativeSocket peer = NativeSocket.forAddress(server.address(), Kernel.SOCK_STREAM)) {
        connect(peer, server.address());
        for (int i = 0; i < n; i++) {
          PlainPeer.writeAll(peer, BlightEncoder.message(BlightType.REPAINT, i + 1, payload)); // never reads an ack
        }
        PlainPeer.awaitTakenByPeer(peer); // only what reached the server's kernel counts

      } // closed with the acks unread: the server's next ack write fails
      ConnectionSummary s = server.await(ClientFinished.class).summary();
      assertEquals(n, s.types().getOrDefault("repaint", 0L), "repetition " + rep + ": requests counted; " + s);
      assertEquals((long) n * payload.length, s.bytes(), "repetition " + rep + ": payload bytes; " + s);
      assertEquals(java.util.List.of(), s.errors(), "repetition " + rep + ": nothing went wrong but the unread acks");
    }
    server.stop(kit);
  }

  private static void connect(NativeSocket s, SocketAddress a) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    if (!s.connect(a)) {
      while (!s.finishConnect()) {
        assertTrue(System.nanoTime() < deadline, "connect to " + a);
        Thread.sleep(1);
      }
    }
  }
}
