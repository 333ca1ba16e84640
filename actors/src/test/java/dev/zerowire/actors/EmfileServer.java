package dev.zerowire.actors;

import com.typesafe.config.ConfigFactory;
import dev.zerowire.actors.SocketProtocol.Accepted;
import dev.zerowire.actors.SocketProtocol.Bound;
import dev.zerowire.actors.SocketProtocol.Closed;
import dev.zerowire.actors.SocketProtocol.Event;
import dev.zerowire.actors.SocketProtocol.ListenerEvent;
import dev.zerowire.actors.SocketProtocol.Received;
import dev.zerowire.nativeio.NativeBuffer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The child process of {@link AcceptTest}: a zerowire listener on 127.0.0.1 that answers each
 * connection's first bytes with one byte and closes when the peer does. Run under a low
 * RLIMIT_NOFILE so that accept(2) fails with EMFILE. Prints {@code PORT n} once listening.
 */
public final class EmfileServer {
  private EmfileServer() {}

  public static void main(String[] args) throws Exception {
    ActorSystem<Void> system = ZeroWire.startStandalone("emfile",
        ConfigFactory.parseString("zerowire.listener.accept-backoff-max = 200ms"));
    NativeBuffer reply = NativeBuffer.allocate(1); // filled once, then only read: one buffer serves all
    reply.put(0, new byte[] {'!'}, 0, 1);
    ZeroWire zw = ZeroWire.get(system);
    CompletableFuture<InetSocketAddress> bound = new CompletableFuture<>();
    zw.manager().tell(new SocketProtocol.Bind(new InetSocketAddress("127.0.0.1", 0), zw.defaultOptions(), 200,
        system.systemActorOf(listener(reply, bound), "handler", Props.empty())));
    InetSocketAddress local = bound.get(30, TimeUnit.SECONDS);
    // Warm up: one whole connection loads every class the accept and close paths need. Loading a
    // class from a directory opens a file, which fails once the fds are gone (NoClassDefFoundError).
    try (Socket s = new Socket(local.getAddress(), local.getPort())) {
      s.getOutputStream().write(0);
      if (s.getInputStream().read() < 0) {
        throw new IllegalStateException("warm-up got no reply");
      }
    }
    Thread.sleep(200); // the warm-up connection's close runs its course
    System.out.println("PORT " + local.getPort());
    System.out.flush();
    system.getWhenTerminated().toCompletableFuture().get();
  }

  private static Behavior<ListenerEvent> listener(NativeBuffer reply, CompletableFuture<InetSocketAddress> bound) {
    return Behaviors.setup(ctx -> Behaviors.receive(ListenerEvent.class)
        .onMessage(Bound.class, b -> {
          bound.complete((InetSocketAddress) b.local());
          return Behaviors.same();
        })
        .onMessage(Accepted.class, a -> {
          ctx.spawnAnonymous(connection(a.socket(), reply), ZeroWire.dispatcher());
          return Behaviors.same();
        })
        .build());
  }

  private static Behavior<Event> connection(ActorRef<SocketProtocol.Command> socket, NativeBuffer reply) {
    return Behaviors.setup(ctx -> {
      socket.tell(new SocketProtocol.Register(ctx.getSelf()));
      return Behaviors.receive(Event.class)
          .onMessage(Received.class, r -> {
            socket.tell(SocketProtocol.Send.of(reply, 0, ctx.getSystem().ignoreRef()));
            return Behaviors.same();
          })
          .onMessage(Closed.class, c -> Behaviors.stopped())
          .build();
    });
  }
}
