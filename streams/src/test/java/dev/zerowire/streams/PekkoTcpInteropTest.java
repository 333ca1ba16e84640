package dev.zerowire.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.zerowire.actors.SocketProtocol.Bound;
import dev.zerowire.actors.ZeroWire;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * zerowire's flows with Pekko Streams' own Tcp on the other end (TCP only: Pekko's Tcp has no
 * AF_UNIX): a zerowire client against a Pekko Tcp echo server, and a Pekko Tcp client against a
 * zerowire bind, both byte exact and with every buffer released.
 */
class PekkoTcpInteropTest {
  static final ActorTestKit kit = ActorTestKit.create("PekkoTcpInteropTest");

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static ActorSystem<Void> system() {
    return kit.system();
  }

  private static final long TOTAL = 16L << 20;
  private static final int SIZE = 64 << 10;

  private static Source<ByteString, ?> payload() {
    return Source.range(0, (int) (TOTAL / SIZE) - 1).map(i -> Pattern.chunk((long) i * SIZE, SIZE));
  }

  @Test
  void aZerowireClientAgainstAPekkoTcpEchoServer() throws Exception {
    Tcp.ServerBinding binding = Tcp.get(system()).bind("127.0.0.1", 0)
        .to(Sink.foreach(c -> c.handleWith(Flow.<ByteString>create(), system())))
        .run(system())
        .toCompletableFuture().get(60, TimeUnit.SECONDS);
    try {
      BufferLedger ledger = new BufferLedger();
      Pattern.Check check = payload()
          .via(ZeroWireStreams.outgoingConnection(system(), binding.localAddress(),
              ZeroWire.get(system()).defaultOptions(), StreamSettings.defaults(), ledger))
          .runFold(new Pattern.Check(), Pattern.Check::add, system())
          .toCompletableFuture().get(60, TimeUnit.SECONDS);
      assertEquals(TOTAL, check.bytes);
      assertEquals(Pattern.crc(TOTAL), check.crc.getValue());
      ConnectionContract.assertAllReleased(ledger);
    } finally {
      binding.unbind().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
  }

  @Test
  void aPekkoTcpClientAgainstAZerowireEchoServer() throws Exception {
    BufferLedger ledger = new BufferLedger();
    Pair<CompletionStage<Bound>, CompletionStage<Done>> server = ZeroWireStreams
        .bind(system(), new InetSocketAddress("127.0.0.1", 0), ZeroWire.get(system()).defaultOptions(),
            StreamSettings.defaults(), 100, 0, ledger)
        .toMat(Sink.foreach(c -> c.handleWith(Flow.<ByteString>create(), system())), Keep.both())
        .run(system());
    Bound bound = server.first().toCompletableFuture().get(60, TimeUnit.SECONDS);
    InetSocketAddress at = (InetSocketAddress) bound.local();
    Pattern.Check check = payload()
        .via(Tcp.get(system()).outgoingConnection(at.getHostString(), at.getPort()))
        .runFold(new Pattern.Check(), Pattern.Check::add, system())
        .toCompletableFuture().get(60, TimeUnit.SECONDS);
    assertEquals(TOTAL, check.bytes);
    assertEquals(Pattern.crc(TOTAL), check.crc.getValue());
    ConnectionContract.assertAllReleased(ledger);
  }
}
