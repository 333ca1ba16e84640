package dev.zerowire.examples;

import dev.zerowire.actors.SocketProtocol.Close;
import dev.zerowire.actors.SocketProtocol.Closed;
import dev.zerowire.actors.SocketProtocol.Command;
import dev.zerowire.actors.SocketProtocol.CommandFailed;
import dev.zerowire.actors.SocketProtocol.Connect;
import dev.zerowire.actors.SocketProtocol.ConnectReply;
import dev.zerowire.actors.SocketProtocol.Connected;
import dev.zerowire.actors.SocketProtocol.Event;
import dev.zerowire.actors.SocketProtocol.Failed;
import dev.zerowire.actors.SocketProtocol.RefusalKind;
import dev.zerowire.actors.SocketProtocol.Refused;
import dev.zerowire.actors.SocketProtocol.Register;
import dev.zerowire.actors.SocketProtocol.Reply;
import dev.zerowire.actors.SocketProtocol.Released;
import dev.zerowire.actors.SocketProtocol.Send;
import dev.zerowire.actors.SocketProtocol.SendOutcomes;
import dev.zerowire.actors.SocketProtocol.SendReply;
import dev.zerowire.actors.SocketProtocol.WritingResumed;
import dev.zerowire.actors.ZeroWire;
import dev.zerowire.nativeio.NativeBuffer;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Example (a): an actor that connects, sends {@code count} buffers of {@code size} bytes with at
 * most {@code window} in flight, and handles every outcome of every Send:
 * <ul>
 *   <li>{@code Released}: the buffer is ours again; reuse it for the next send, or free it;</li>
 *   <li>{@code Failed}: the connection broke; free the buffer, unless {@code withheld} (the kernel
 *       never confirmed it let go: it must never be touched again);</li>
 *   <li>{@code Refused}: nothing was written; on NO_ROOM keep it and send again after
 *       {@code WritingResumed}, otherwise free it.</li>
 * </ul>
 * Then it closes the socket and reports a {@link Result}.
 *
 * <p>Run: {@code java -cp ... dev.zerowire.examples.SendBuffers HOST PORT} (e.g. against
 * {@code nc -l 9000 > /dev/null}).
 */
public final class SendBuffers extends AbstractBehavior<Reply> {

  /**
   * What happened to the sends: {@code released + failed + refused + unprocessed == sent}, and
   * {@code leaked} (buffers neither freed nor withheld at the end) must be 0.
   */
  public record Result(long sent, long released, long failed, long refused, long unprocessed, long withheld,
      long leaked, String how) {}

  /**
   * The actor takes {@link Reply}, the supertype of everything zerowire sends (the Connect's
   * reply, the Sends' outcomes, the socket's events), so it passes {@code getSelf().narrow()}
   * everywhere and needs no message adapter.
   */
  public static Behavior<Reply> create(SocketAddress peer, int count, int size, int window,
      ActorRef<Result> replyTo) {
    return Behaviors.setup(ctx -> new SendBuffers(ctx, peer, count, size, window, replyTo));
  }

  private final int count;
  private final int size;
  private final ActorRef<Result> replyTo;
  private final ActorRef<SendReply> outcomes; // this actor, as the Sends' replyTo
  private final List<NativeBuffer> all = new ArrayList<>();     // every buffer we allocated
  private final Deque<NativeBuffer> idle = new ArrayDeque<>();  // ours, ready to fill and send
  private final Map<Long, NativeBuffer> inFlight = new HashMap<>(); // zerowire's until the outcome
  private final Deque<Send> noRoom = new ArrayDeque<>();        // refused for room: send again, in order
  private ActorRef<Command> socket;
  private boolean stopSending;
  private boolean closing;
  private long sent;
  private long released;
  private long failed;
  private long refused;
  private long withheld;

  private SendBuffers(ActorContext<Reply> ctx, SocketAddress peer, int count, int size, int window,
      ActorRef<Result> replyTo) {
    super(ctx);
    this.count = count;
    this.size = size;
    this.replyTo = replyTo;
    this.outcomes = ctx.getSelf().narrow();
    for (int i = 0; i < window; i++) {
      all.add(NativeBuffer.allocate(size)); // off-heap, page-aligned; freed by release()
    }
    idle.addAll(all);
    ZeroWire zw = ZeroWire.get(ctx.getSystem());
    zw.manager().tell(new Connect(peer, zw.defaultOptions(), ctx.getSelf().narrow()));
  }

  @Override
  public Receive<Reply> createReceive() {
    return newReceiveBuilder()
        .onMessage(ConnectReply.class, this::onOpened)
        .onMessage(SendReply.class, this::onOutcome)
        .onMessage(Event.class, this::onSocketEvent)
        .build();
  }

  private Behavior<Reply> onOpened(ConnectReply reply) {
    if (reply instanceof CommandFailed f) {
      all.forEach(NativeBuffer::release);
      replyTo.tell(new Result(0, 0, 0, 0, 0, 0, 0, "connect failed: " + f.cause().getMessage()));
      return Behaviors.stopped();
    }
    socket = ((Connected) reply).socket();
    // Closed goes to the registered handler: register one even if we read nothing.
    socket.tell(new Register(getContext().getSelf().narrow()));
    sendWhatWeCan();
    return Behaviors.same();
  }

  private void sendWhatWeCan() {
    while (!stopSending && sent < count && !idle.isEmpty() && noRoom.isEmpty()) {
      NativeBuffer b = idle.poll();
      b.fill((byte) sent); // the buffer is ours: write it now, never after it is sent
      inFlight.put(++sent, b);
      socket.tell(Send.of(b, sent, outcomes));
    }
    if ((sent == count || stopSending) && inFlight.isEmpty() && !closing) {
      closing = true;
      socket.tell(new Close(null)); // graceful: FIN after everything queued; Closed follows
    }
  }

  private Behavior<Reply> onOutcome(SendReply reply) {
    switch (reply) {
      case Released r -> {
        released++;
        inFlight.remove(r.correlationId());
        idle.addAll(r.buffers());
      }
      case Failed f -> {
        failed++;
        stopSending = true; // the connection is gone: collect what is outstanding
        inFlight.remove(f.correlationId());
        if (f.withheld()) {
          withheld++; // never release or reuse: the kernel may still read it
        } else {
          f.buffers().forEach(NativeBuffer::release);
        }
        getContext().getLog().warn("send {} failed: {}", f.correlationId(), f.reason());
      }
      case Refused r when r.kind() == RefusalKind.NO_ROOM ->
          noRoom.add(new Send(r.buffers(), r.correlationId(), outcomes)); // still outstanding
      case Refused r -> {
        refused++;
        stopSending = true; // CLOSED (or INVALID: a bug here); either way, stop
        inFlight.remove(r.correlationId());
        r.buffers().forEach(NativeBuffer::release);
      }
      case WritingResumed w -> {
        while (!noRoom.isEmpty()) {
          socket.tell(noRoom.poll());
        }
      }
      case SendOutcomes batch -> batch.outcomes().forEach(this::onOutcome); // only for Send.batched
    }
    sendWhatWeCan();
    return Behaviors.same();
  }

  private Behavior<Reply> onSocketEvent(Event e) {
    if (e instanceof Closed c) {
      // Closed comes after the outcome of every Send the socket processed: one still without an
      // outcome was never processed (it went to dead letters), so its buffer was never touched
      // and is ours to free (SocketProtocol.Closed). So are the idle ones.
      long unprocessed = inFlight.size();
      inFlight.values().forEach(NativeBuffer::release);
      idle.forEach(NativeBuffer::release);
      long leaked = all.stream().filter(b -> !b.isReleased()).count() - withheld;
      replyTo.tell(new Result(sent, released, failed, refused, unprocessed, withheld, leaked, c.how()));
      return Behaviors.stopped();
    }
    return Behaviors.same(); // Received (the peer wrote to us) and PeerClosed: nothing to do here
  }

  /** Sends 1,000 buffers of 64 KiB to HOST PORT and prints what happened to them. */
  public static void main(String[] args) throws Exception {
    SocketAddress peer = new InetSocketAddress(args.length > 0 ? args[0] : "127.0.0.1",
        args.length > 1 ? Integer.parseInt(args[1]) : 9000);
    var system = ZeroWire.start(Behaviors.<Result>setup(ctx -> {
      ctx.spawn(create(peer, 1000, 64 * 1024, 16, ctx.getSelf()), "sender", ZeroWire.dispatcher());
      return Behaviors.receiveMessage(result -> {
        System.out.println(result);
        return Behaviors.stopped(); // stopping the guardian terminates the system
      });
    }), "send-buffers");
    system.getWhenTerminated().toCompletableFuture().get();
  }
}
