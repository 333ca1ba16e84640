package dev.zerowire.examples;

import dev.zerowire.actors.ZeroWire;
import dev.zerowire.blight.BlightAddress;
import dev.zerowire.blight.BlightClient;
import dev.zerowire.blight.BlightProtocol.AckReceived;
import dev.zerowire.blight.BlightProtocol.AckReply;
import dev.zerowire.blight.BlightProtocol.ClientClosed;
import dev.zerowire.blight.BlightProtocol.ClientCommand;
import dev.zerowire.blight.BlightProtocol.ClientConnectFailed;
import dev.zerowire.blight.BlightProtocol.ClientConnected;
import dev.zerowire.blight.BlightProtocol.ClientEvent;
import dev.zerowire.blight.BlightProtocol.ClientFault;
import dev.zerowire.blight.BlightProtocol.ClientReply;
import dev.zerowire.blight.BlightProtocol.CloseClient;
import dev.zerowire.blight.BlightProtocol.Rejected;
import dev.zerowire.blight.BlightProtocol.Request;
import dev.zerowire.blight.BlightProtocol.SendFailed;
import dev.zerowire.blight.BlightProtocol.Sent;
import dev.zerowire.blight.BlightSettings;
import dev.zerowire.blight.BlightType;
import dev.zerowire.blight.Repaint;
import dev.zerowire.nativeio.NativeBuffer;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Example (d): an actor that sends blight Repaints through a {@link BlightClient} it owns, with a
 * small pool of 36-byte payload buffers: a buffer goes back to the pool when its Request's outcome
 * ({@code Sent}) returns it. Repaints are pipelined, as libblight does; a final Ping awaits its ack,
 * which tells that the server has read everything before it. Then it closes the client.
 *
 * <p>Run: {@code java -cp ... dev.zerowire.examples.RepaintClient unix:/tmp/blight.sock 100}.
 */
public final class RepaintClient {
  private RepaintClient() {
  }

  /** What became of the Repaints: {@code sent == count} and {@code pingAcked} when all went well. */
  public record Result(int sent, int failed, boolean pingAcked, String how) {}

  /** The correlation id of the final Ping; Repaints use 0..count-1. */
  private static final long PING = -1;

  public static Behavior<Object> create(SocketAddress server, int count, ActorRef<Result> replyTo) {
    return Behaviors.setup(ctx -> new Repainter(ctx, server, count, replyTo));
  }

  /** Takes the client's replies and events directly: both adapters are the identity. */
  private static final class Repainter extends AbstractBehavior<Object> {
    private final int count;
    private final ActorRef<Result> replyTo;
    private final ActorRef<ClientReply> replies;
    private final ActorRef<ClientEvent> events;
    private final ActorRef<ClientCommand> client;
    private final Deque<NativeBuffer> pool = new ArrayDeque<>(); // payloads that are ours
    private int next;
    private int outcomes;
    private int sent;
    private boolean pingAcked;

    Repainter(ActorContext<Object> ctx, SocketAddress server, int count, ActorRef<Result> replyTo) {
      super(ctx);
      this.count = count;
      this.replyTo = replyTo;
      this.replies = ctx.messageAdapter(ClientReply.class, r -> r);
      this.events = ctx.messageAdapter(ClientEvent.class, e -> e);
      this.client = ctx.spawn(BlightClient.connect(server, BlightSettings.defaults(), events), "blight-client",
          ZeroWire.dispatcher());
      for (int i = 0; i < 8; i++) {
        pool.add(NativeBuffer.allocate(Repaint.SIZE));
      }
    }

    @Override
    public Receive<Object> createReceive() {
      return newReceiveBuilder()
          .onMessage(ClientConnected.class, c -> sendMore())
          .onMessage(ClientConnectFailed.class, f -> {
            pool.forEach(NativeBuffer::release);
            replyTo.tell(new Result(0, 0, false, "connect failed: " + f.reason()));
            return Behaviors.stopped();
          })
          .onMessage(Sent.class, s -> s.correlationId() == PING ? this : outcome(s.payload(), true))
          .onMessage(SendFailed.class, f -> f.correlationId() == PING ? this
              : outcome(f.withheld() ? null : f.payload(), false)) // withheld: never touch it again
          .onMessage(Rejected.class, r -> r.correlationId() == PING ? this : outcome(r.payload(), false))
          .onMessage(AckReply.class, a -> { // only the Ping awaits its ack
            pingAcked = a instanceof AckReceived;
            client.tell(new CloseClient(events));
            return this;
          })
          .onMessage(ClientFault.class, f -> { // the server broke the protocol; ClientClosed follows
            getContext().getLog().warn("{}", f.message());
            return this;
          })
          .onMessage(ClientClosed.class, c -> {
            pool.forEach(NativeBuffer::release);
            replyTo.tell(new Result(sent, count - sent, pingAcked, c.how()));
            return Behaviors.stopped();
          })
          .build();
    }

    private Behavior<Object> sendMore() {
      while (next < count && !pool.isEmpty()) {
        NativeBuffer b = pool.poll();
        // x, y, width, height, waveform, contenttype, mode, marker, surface id
        new Repaint(0, next * 10, 1404, 10, 1, 0, 0, next, 1).encode(b.byteBuffer());
        client.tell(Request.of(BlightType.REPAINT, b, next++, replies)); // pipelined: no ack awaited
      }
      return this;
    }

    /** A Repaint's outcome: its buffer back to the pool (or freed), then more, or the final Ping. */
    private Behavior<Object> outcome(NativeBuffer payload, boolean ok) {
      if (ok) {
        sent++;
        pool.add(payload);
      } else if (payload != null) {
        payload.release();
      }
      if (++outcomes == count) {
        client.tell(Request.of(BlightType.PING, null, PING, replies)); // awaits its ack, as in libblight
        return this;
      }
      return sendMore();
    }
  }

  public static void main(String[] args) throws Exception {
    SocketAddress server = BlightAddress.parse(args.length > 0 ? args[0] : "unix:/tmp/blight.sock");
    int count = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    var system = ZeroWire.start(Behaviors.<Result>setup(ctx -> {
      ctx.spawn(create(server, count, ctx.getSelf()), "repainter", ZeroWire.dispatcher());
      return Behaviors.receiveMessage(r -> {
        System.out.println(r);
        return Behaviors.stopped();
      });
    }), "repaint-client");
    system.getWhenTerminated().toCompletableFuture().get();
  }
}
