package dev.zerowire.examples;

import dev.zerowire.actors.SocketProtocol.Accepted;
import dev.zerowire.actors.SocketProtocol.Bind;
import dev.zerowire.actors.SocketProtocol.BindFailed;
import dev.zerowire.actors.SocketProtocol.Bound;
import dev.zerowire.actors.SocketProtocol.Closed;
import dev.zerowire.actors.SocketProtocol.Command;
import dev.zerowire.actors.SocketProtocol.Event;
import dev.zerowire.actors.SocketProtocol.Failed;
import dev.zerowire.actors.SocketProtocol.ListenerEvent;
import dev.zerowire.actors.SocketProtocol.PeerClosed;
import dev.zerowire.actors.SocketProtocol.Received;
import dev.zerowire.actors.SocketProtocol.Register;
import dev.zerowire.actors.SocketProtocol.ResumeReading;
import dev.zerowire.actors.SocketProtocol.Send;
import dev.zerowire.actors.SocketProtocol.SendOutcome;
import dev.zerowire.actors.SocketProtocol.SendReply;
import dev.zerowire.actors.ZeroWire;
import dev.zerowire.nativeio.NativeBuffer;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Example (b): an echo server. The listener's handler gives each accepted connection an actor
 * that writes back what it reads.
 *
 * <p>Flow control by pull mode: the socket delivers one {@code Received} and then waits for
 * {@code ResumeReading}, which the connection sends when the echo of that chunk has its outcome.
 * So at most one chunk per connection is in memory, a slow client slows its own reads through TCP,
 * and echoes can never be refused for room or overtake each other.
 *
 * <p>Inbound data arrives as a {@code byte[]} and a send needs a {@link NativeBuffer}, so each
 * chunk is copied once into off-heap memory. (A later zerowire will lend the handler the receive
 * buffer itself; then the echo sends what it was lent and this copy goes.)
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

  /** One connection: a socket event or the outcome of an echo. */
  private static Behavior<Object> connection(ActorRef<Command> socket) {
    return Behaviors.setup(ctx -> {
      ActorRef<SendReply> outcomes = ctx.messageAdapter(SendReply.class, r -> r);
      socket.tell(Register.pull(ctx.messageAdapter(Event.class, e -> e)));
      return Behaviors.receive(Object.class)
          .onMessage(Received.class, r -> {
            NativeBuffer echo = NativeBuffer.allocate(r.data().length);
            echo.put(0, r.data(), 0, r.data().length);
            socket.tell(Send.of(echo, 0, outcomes));
            return Behaviors.same();
          })
          .onMessage(SendOutcome.class, o -> {
            if (!(o instanceof Failed f && f.withheld())) { // withheld: the kernel may still read it
              o.buffers().forEach(NativeBuffer::release);
            }
            socket.tell(ResumeReading.INSTANCE); // the next chunk, please
            return Behaviors.same();
          })
          .onMessage(PeerClosed.class, p -> Behaviors.same()) // the socket closes itself after the echoes
          .onMessage(Closed.class, c -> Behaviors.stopped())   // after every outcome: nothing is left
          .build();
    });
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
