package dev.zerowire.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.zerowire.actors.SocketProtocol;
import java.net.UnixDomainSocketAddress;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The README's Pekko Streams example, as written there (only the path is a fresh one). */
class ReadmeExampleTest {
  static final ActorTestKit kit = ActorTestKit.create("ReadmeExampleTest");

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void theReadmeExampleRuns() throws Exception {
    ActorSystem<Void> system = kit.system();
    UnixDomainSocketAddress path = NioPeer.freshUnixPath("echo.sock");

    CompletionStage<SocketProtocol.Bound> bound = ZeroWireStreams
        .bind(system, path)
        .to(Sink.foreach(conn -> conn.handleWith(Flow.<ByteString>create(), system)))
        .run(system);
    bound.toCompletableFuture().get(30, TimeUnit.SECONDS);

    CompletionStage<ByteString> reply = Source.single(ByteString.fromString("hello"))
        .via(ZeroWireStreams.outgoingConnection(system, path))
        .runFold(ByteString.emptyByteString(), ByteString::concat, system);
    assertEquals("hello", reply.toCompletableFuture().get(30, TimeUnit.SECONDS).utf8String());
  }
}
