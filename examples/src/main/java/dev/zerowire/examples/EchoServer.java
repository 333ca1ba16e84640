package dev.zerowire.examples;

import dev.zerowire.actors.SocketProtocol.Accepted;
import dev.zerowire.actors.SocketProtocol.Bind;
import dev.zerowire.actors.SocketProtocol.BindFailed;
import dev.zerowire.actors.SocketProtocol.Bound;
import dev.zerowire.actors.SocketProtocol.Close;
import dev.zerowire.actors.SocketProtocol.Closed;
import dev.zerowire.actors.SocketProtocol.Command;
import dev.zerowire.actors.SocketProtocol.Failed;
import dev.zerowire.actors.SocketProtocol.ListenerEvent;
import dev.zerowire.actors.SocketProtocol.PeerClosed;
import dev.zerowire.actors.SocketProtocol.ReceivedBuffer;
import dev.zerowire.actors.SocketProtocol.Register;
import dev.zerowire.actors.SocketProtocol.Reply;
import dev.zerowire.actors.SocketProtocol.Send;
import dev.zerowire.actors.SocketProtocol.SendOutcome;
import dev.zerowire.actors.SocketProtocol.SendOutcomes;
import dev.zerowire.actors.ZeroWire;
import dev.zerowire.nativeio.NativeBuffer;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Example (b): an echo server. The listener's handler gives each accepted connection an actor
 * that writes back what it reads, without copying it: the socket reads into an off-heap buffer
 * from its receive pool and lends it ({@code Register.withLentBuffers()}); the connection sends
 * that same buffer back and releases it when the send's outcome arrives, which returns it to the
 * pool.
 *
 * <p>Flow control by the pool: a socket lends at most {@code receive-pool-chunks} buffers (16 of
 * 64 KiB by default); while all are out on their way back to the client it stops reading, so a
 * client that does not read its echoes slows its own writes through TCP and the server's memory
 * stays bounded. Echoes leave in the order they arrived (Sends to one socket are written in order).
 *
 * <p>Why keep-open-on-peer-closed: by default a socket closes itself at the peer's end of stream,
 * and it may read that end before this actor has sent the echoes of the last buffers it was lent
 * (they are still in its mailbox); those Sends would then be refused. With the flag, the actor
 * closes when it sees PeerClosed, which comes after all of them.
 *
 * <p>One actor of type {@link Reply} takes the socket's events and the sends' outcomes alike: no
 * message adapters.
 *
 * <p>Run: {@code java -cp ... dev.zerowire.examples.EchoServer [PORT]}, then
 * {@code nc 127.0.0.1 PORT}.
 */
public final class EchoServer {
  private EchoServer() {
  }

  /** Listens on {@code address} and echoes on every connection; {@code bound} gets Bound or BindFailed. */
  public static Behavior<ListenerEvent> create(SocketAddress address, ActorRef<ListenerEvent> bound) {
    return Behaviors.setup(ctx -> {
      ZeroWire zw = ZeroWire.get(ctx.getSystem());
      zw.manager().tell(new Bind(address, zw.defaultOptions(), 128, ctx.getSelf()));
      return Behaviors.receiveMessage(ev -> {
        switch (ev) {
          case Accepted a -> ctx.spawnAnonymous(connection(a.socket()), ZeroWire.dispatcher());
          case Bound b -> bound.tell(b);
          case BindFailed f -> {
            bound.tell(f);
            return Behaviors.stopped();
          }
          default -> { }
        }
        return Behaviors.same();
      });
    });
  }

  /** One connection: the socket's events and the outcomes of the echoes. */
  private static Behavior<Reply> connection(ActorRef<Command> socket) {
    return Behaviors.setup(ctx -> {
      ActorRef<Reply> self = ctx.getSelf();
      // Half-close: the client's end of stream arrives as PeerClosed after every buffer before it,
      // and the socket stays open until the echoes sent by then are written (Close below).
      socket.tell(new Register(self.narrow()).withLentBuffers().withKeepOpenOnPeerClosed());
      return Behaviors.receive(Reply.class)
          .onMessage(ReceivedBuffer.class, r -> { // send back the very buffer the kernel read into
            // batched: the outcomes of echoes written in one sendmsg come in one SendOutcomes
            socket.tell(Send.batched(List.of(r.buffer()), 0, self.narrow()));
            return Behaviors.same();
          })
          .onMessage(SendOutcome.class, o -> {
            giveBack(o);
            return Behaviors.same();
          })
          .onMessage(SendOutcomes.class, b -> {
            b.outcomes().forEach(EchoServer::giveBack);
            return Behaviors.same();
          })
          .onMessage(PeerClosed.class, p -> {
            socket.tell(new Close(null)); // after every echo told so far: they are written first
            return Behaviors.same();
          })
          .onMessage(Closed.class, c -> Behaviors.stopped())   // after every outcome: nothing is left
          .onAnyMessage(m -> Behaviors.same())                 // WritingResumed: never refused for room here
          .build();
    });
  }

  /** An echo's buffer goes back to the socket's receive pool, unless withheld (the kernel may still read it). */
  private static void giveBack(SendOutcome o) {
    if (!(o instanceof Failed f && f.withheld())) {
      o.buffers().forEach(NativeBuffer::release);
    }
  }

  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 7007;
    var system = ZeroWire.start(Behaviors.<ListenerEvent>setup(ctx -> {
      ctx.spawn(create(new InetSocketAddress("127.0.0.1", port), ctx.getSelf()), "echo");
      return Behaviors.receiveMessage(ev -> {
        System.out.println(ev instanceof Bound b ? "echoing on " + b.local() : "cannot listen: " + ev);
        return ev instanceof Bound ? Behaviors.same() : Behaviors.stopped();
      });
    }), "echo-server");
    system.getWhenTerminated().toCompletableFuture().get();
  }
}
