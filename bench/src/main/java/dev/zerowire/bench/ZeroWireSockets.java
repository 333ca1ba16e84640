package dev.zerowire.bench;

import dev.zerowire.actors.SocketOptions;
import dev.zerowire.actors.SocketProtocol;
import dev.zerowire.actors.ZeroWire;
import dev.zerowire.nativeio.NativeSocket;
import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/** Opening and closing zerowire sockets from outside the actor system, by ask. */
final class ZeroWireSockets {
  private ZeroWireSockets() {}

  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(20);

  /** Asks the manager to connect; the socket actor, or the CommandFailed cause as an IOException. */
  static ActorRef<SocketProtocol.Command> connect(ActorSystem<?> system, SocketAddress remote, SocketOptions options)
      throws Exception {
    return connected(connectAsync(system, remote, options));
  }

  static CompletionStage<SocketProtocol.ConnectReply> connectAsync(ActorSystem<?> system, SocketAddress remote,
      SocketOptions options) {
    return AskPattern.ask(ZeroWire.get(system).manager(),
        (ActorRef<SocketProtocol.ConnectReply> r) -> new SocketProtocol.Connect(remote, options, r),
        BenchContext.ASK_TIMEOUT, system.scheduler());
  }

  /** Hands {@code socket} to zerowire ({@code Adopt}); zerowire owns and closes it from now on. */
  static ActorRef<SocketProtocol.Command> adopt(ActorSystem<?> system, NativeSocket socket, SocketOptions options)
      throws Exception {
    return connected(AskPattern.ask(ZeroWire.get(system).manager(),
        (ActorRef<SocketProtocol.ConnectReply> r) -> new SocketProtocol.Adopt(socket, options, r),
        BenchContext.ASK_TIMEOUT, system.scheduler()));
  }

  static ActorRef<SocketProtocol.Command> connected(CompletionStage<SocketProtocol.ConnectReply> reply)
      throws Exception {
    SocketProtocol.ConnectReply r = get(reply, BenchContext.ASK_TIMEOUT);
    if (r instanceof SocketProtocol.Connected c) {
      return c.socket();
    }
    SocketProtocol.CommandFailed f = (SocketProtocol.CommandFailed) r;
    throw new IOException("zerowire could not open the socket: " + f.cause().getMessage(), f.cause());
  }

  /** Graceful Close; returns the Closed event (with the socket's final counters). */
  static SocketProtocol.Closed close(ActorSystem<?> system, ActorRef<SocketProtocol.Command> socket) throws Exception {
    return closeAsync(system, socket).toCompletableFuture().get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  static CompletionStage<SocketProtocol.Closed> closeAsync(ActorSystem<?> system, ActorRef<SocketProtocol.Command> socket) {
    return AskPattern.<SocketProtocol.Command, SocketProtocol.Event>ask(socket, SocketProtocol.Close::new,
        CLOSE_TIMEOUT, system.scheduler()).thenApply(e -> (SocketProtocol.Closed) e);
  }

  static <T> T get(CompletionStage<T> stage, Duration timeout) throws Exception {
    try {
      return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception x) {
        throw x;
      }
      throw e;
    }
  }
}
