package dev.zerowire.samples.stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.zerowire.actors.SocketProtocol;
import dev.zerowire.actors.ZeroWire;
import dev.zerowire.nativeio.Kernel;
import dev.zerowire.nativeio.NativeSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.Test;

/** The stream CLI waits on its sender's result: the sender completes it whatever happens to the socket. */
class StreamSenderTest {

  /**
   * A socket that stops before the sender's Close reached it (aborted from outside here; a reset
   * by the peer does the same) never answers that Close: the sender's result fails at once
   * instead of leaving the CLI waiting (it waited up to an hour).
   */
  @Test
  void aSocketThatStopsBeforeAnsweringFailsTheResult() throws Exception {
    ActorSystem<Void> system = ZeroWire.startStandalone("stream-sender-test", ConfigFactory.empty());
    NativeSocket[] pair = NativeSocket.socketpair(Kernel.SOCK_STREAM);
    try (NativeSocket peer = pair[1]) { // never reads: the sender's window fills and stays full
      ZeroWire zw = ZeroWire.get(system);
      SocketProtocol.ConnectReply r = AskPattern.<SocketProtocol.ManagerCommand, SocketProtocol.ConnectReply>ask(
          zw.manager(), to -> new SocketProtocol.Adopt(pair[0], zw.defaultOptions(), to), Duration.ofSeconds(10),
          system.scheduler()).toCompletableFuture().get(10, TimeUnit.SECONDS);
      SocketProtocol.Connected c = (SocketProtocol.Connected) r;
      CompletableFuture<StreamSender.Result> done = new CompletableFuture<>();
      system.systemActorOf(StreamSender.create(c.socket(), 1_000_000, 64 * 1024, 8, 0, n -> { }, done), "sender",
          org.apache.pekko.actor.typed.Props.empty());
      Thread.sleep(200);
      c.socket().tell(new SocketProtocol.Abort(null));
      ExecutionException e = assertThrows(ExecutionException.class, () -> done.get(10, TimeUnit.SECONDS));
      assertTrue(e.getCause().getMessage().contains("socket stopped"), e.getCause().getMessage());
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
