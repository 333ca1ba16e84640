package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.zerowire.actors.SocketProtocol.Accepted;
import dev.zerowire.actors.SocketProtocol.Bound;
import dev.zerowire.actors.SocketProtocol.ReceivedBuffer;
import dev.zerowire.actors.SocketProtocol.Reply;
import dev.zerowire.actors.SocketProtocol.SendOutcome;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * One actor of type {@link Reply} takes everything zerowire sends it, with no message adapter:
 * an echo server that binds, registers for lent buffers and forwards each one as it is.
 */
class NoAdaptersTest {
  static final ActorTestKit kit = ActorTestKit.create("NoAdaptersTest");

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  static Behavior<Reply> echo(CompletableFuture<SocketAddress> bound) {
    return Behaviors.setup(ctx -> {
      ZeroWire zw = ZeroWire.get(ctx.getSystem());
      zw.manager().tell(new SocketProtocol.Bind(new InetSocketAddress("127.0.0.1", 0), zw.defaultOptions(), 16,
          ctx.getSelf().narrow()));
      return Behaviors.receive(Reply.class)
          .onMessage(Bound.class, b -> {
            bound.complete(b.local());
            return Behaviors.same();
          })
          .onMessage(Accepted.class, a -> {
            a.socket().tell(new SocketProtocol.Register(ctx.getSelf().narrow()).withLentBuffers());
            return Behaviors.same();
          })
          .onMessage(ReceivedBuffer.class, r -> { // forward the lent buffer as it is: no copy
            r.socket().tell(SocketProtocol.Send.of(r.buffer(), 0, ctx.getSelf().narrow()));
            return Behaviors.same();
          })
          .onMessage(SendOutcome.class, o -> {
            o.buffers().forEach(b -> b.release()); // back to the socket's receive pool
            return Behaviors.same();
          })
          .onAnyMessage(m -> Behaviors.same()) // PeerClosed, Closed, WritingResumed ...
          .build();
    });
  }

  @Test
  void oneActorTakesEveryReplyWithoutAdapters() throws Exception {
    CompletableFuture<SocketAddress> bound = new CompletableFuture<>();
    kit.spawn(echo(bound), ZeroWire.dispatcher());
    InetSocketAddress a = (InetSocketAddress) bound.get(10, TimeUnit.SECONDS);
    try (Socket s = new Socket(a.getAddress(), a.getPort())) {
      s.setSoTimeout((int) Duration.ofSeconds(10).toMillis());
      byte[] hello = "hello, zerowire".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      s.getOutputStream().write(hello);
      InputStream in = s.getInputStream();
      assertArrayEquals(hello, in.readNBytes(hello.length));
    }
  }
}
