package dev.zerowire.examples;

import dev.zerowire.actors.ZeroWire;
import dev.zerowire.blight.BlightAddress;
import dev.zerowire.blight.BlightProtocol.AckWith;
import dev.zerowire.blight.BlightProtocol.HandlerRequest;
import dev.zerowire.blight.BlightProtocol.NoAck;
import dev.zerowire.blight.BlightProtocol.ServerBound;
import dev.zerowire.blight.BlightProtocol.ServerEvent;
import dev.zerowire.blight.BlightServer;
import dev.zerowire.blight.BlightSettings;
import dev.zerowire.blight.BlightType;
import dev.zerowire.blight.Repaint;
import java.net.SocketAddress;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Example (c): a blight display server inside an application's own ActorSystem. The application's
 * guardian spawns its own actors (here a compositor that receives every Repaint) and a
 * {@link BlightServer} whose handler is the application's, not the built-in Oxide look-alike.
 *
 * <p>The handler gets one {@link HandlerRequest} per client message and answers each with
 * {@link AckWith} or {@link NoAck}; the server's connection actors do the framing, the Ping/Ack
 * bookkeeping and the socket work.
 *
 * <p>Run: {@code java -cp ... dev.zerowire.examples.EmbeddedDisplayServer unix:/tmp/blight.sock},
 * then {@code ./zerowire blight-client --connect unix:/tmp/blight.sock}.
 */
public final class EmbeddedDisplayServer {
  private EmbeddedDisplayServer() {
  }

  /** The application's handler: Repaints go to the compositor; every message but Focus is acked, as Oxide does. */
  public static Behavior<HandlerRequest> handler(ActorRef<Repaint> compositor) {
    return Behaviors.receiveMessage(r -> {
      BlightType type = r.frame().type();
      if (type == BlightType.REPAINT) {
        compositor.tell(Repaint.decode(r.frame().payload())); // a bad payload throws: that connection closes
      }
      r.replyTo().tell(type == BlightType.FOCUS ? new NoAck(r.frame().ackid()) : AckWith.empty(r.frame().ackid()));
      return Behaviors.same();
    });
  }

  /**
   * The application's guardian: spawns the handler and the server listening on {@code listen},
   * and passes the server's events (ServerBound first) to {@code events}.
   */
  public static Behavior<ServerEvent> app(SocketAddress listen, ActorRef<Repaint> compositor,
      ActorRef<ServerEvent> events) {
    return Behaviors.setup(ctx -> {
      ActorRef<HandlerRequest> h = ctx.spawn(handler(compositor), "repaint-handler", ZeroWire.dispatcher());
      ctx.spawn(BlightServer.create(List.of(listen), BlightSettings.defaults(), h, ctx.getSelf()),
          "display-server", ZeroWire.dispatcher());
      return Behaviors.receiveMessage(ev -> {
        events.tell(ev);
        return Behaviors.same();
      });
    });
  }

  public static void main(String[] args) throws Exception {
    SocketAddress listen = BlightAddress.parse(args.length > 0 ? args[0] : "unix:/tmp/blight.sock");
    var system = ZeroWire.start(Behaviors.<Void>setup(ctx -> {
      ActorRef<Repaint> compositor = ctx.spawn(Behaviors.<Repaint>receiveMessage(r -> {
        System.out.println("repaint " + r.width() + "x" + r.height() + " at " + r.x() + "," + r.y());
        return Behaviors.same();
      }), "compositor");
      ActorRef<ServerEvent> log = ctx.spawn(Behaviors.<ServerEvent>receiveMessage(ev -> {
        System.out.println(ev instanceof ServerBound b ? "listening on " + b.addresses() : ev.toString());
        return Behaviors.same();
      }), "server-events");
      ctx.spawn(app(listen, compositor, log), "display");
      return Behaviors.empty();
    }), "display-server");
    system.getWhenTerminated().toCompletableFuture().get();
  }
}
