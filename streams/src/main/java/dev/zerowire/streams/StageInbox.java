package dev.zerowire.streams;

import dev.zerowire.actors.SocketProtocol.Abort;
import dev.zerowire.actors.SocketProtocol.Command;
import dev.zerowire.actors.SocketProtocol.CommandFailed;
import dev.zerowire.actors.SocketProtocol.Connected;
import dev.zerowire.actors.SocketProtocol.Failed;
import dev.zerowire.actors.SocketProtocol.Register;
import dev.zerowire.actors.SocketProtocol.SendOutcome;
import dev.zerowire.nativeio.NativeBuffer;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.stream.stage.AsyncCallback;

/**
 * The address a {@link ConnectionStage} gives the socket: every Connect reply, Send outcome and
 * socket event comes here and is handed to the stage. It exists because a stream stage can stop
 * at any moment (a materializer shut down, a failure elsewhere in the graph), while the socket
 * keeps sending outcomes that carry buffers the kernel may still have been reading until then.
 * A stage's own actor ({@code getStageActor}) stops with the stage and its later messages are
 * dead letters, so those buffers could never be released. This actor outlives the stage.
 *
 * <pre>
 *   attached ──Detach (the stage stopped)──▶ sweeping ──Terminated(socket), or nothing was opened──▶ stopped
 * </pre>
 *
 * <ul>
 *   <li><b>attached</b>: forwards everything to the stage's async callback. Remembers the socket
 *       (from Connected) and the buffers of outcomes that say {@code withheld}.
 *   <li><b>sweeping</b>: the stage handed over the Sends it had not seen an outcome for. This
 *       actor aborts the socket (if the stage had not seen it closed) and watches it; each
 *       outcome that arrives releases its buffers. A message the stage dropped because it
 *       stopped first had not been seen by it, so its Send is among those handed over. When the
 *       socket has terminated (after its last message to us), every Send still held here either
 *       got an outcome the stage dropped or was never processed (sent after the socket stopped):
 *       either way the kernel does not hold its buffers, and they are released, except those an
 *       outcome said were withheld.
 * </ul>
 *
 * <p><b>Ownership</b>: while attached this actor owns nothing (it only remembers). From {@link
 * Detach} on it owns the handed-over buffers and releases each exactly once.
 */
final class StageInbox extends AbstractBehavior<Object> {

  /** From the stage's postStop: the Sends it has not seen an outcome for (their buffers, by id). */
  record Detach(Map<Long, NativeBuffer> inFlight, boolean closedSeen) {}

  static Behavior<Object> create(AsyncCallback<Object> stage, ActorRef<Command> socket, BufferLedger ledger) {
    return Behaviors.setup(ctx -> new StageInbox(ctx, stage, socket, ledger));
  }

  private final AsyncCallback<Object> stage;
  private final BufferLedger ledger;
  private ActorRef<Command> socket; // null until Connected (outgoing connections)
  private boolean connectPending;
  private final Set<NativeBuffer> withheld = Collections.newSetFromMap(new IdentityHashMap<>());
  private Map<Long, NativeBuffer> handedOver; // non-null once detached

  private StageInbox(ActorContext<Object> ctx, AsyncCallback<Object> stage, ActorRef<Command> socket,
      BufferLedger ledger) {
    super(ctx);
    this.stage = stage;
    this.socket = socket;
    this.connectPending = socket == null;
    this.ledger = ledger;
  }

  @Override
  public Receive<Object> createReceive() {
    return newReceiveBuilder()
        .onMessage(Detach.class, this::onDetach)
        .onMessage(Object.class, this::onSocketMessage)
        .onSignal(Terminated.class, t -> onSocketTerminated())
        .build();
  }

  private Behavior<Object> onSocketMessage(Object m) {
    if (m instanceof Connected c) {
      socket = c.socket();
      connectPending = false;
    } else if (m instanceof CommandFailed) {
      connectPending = false;
    } else if (m instanceof Failed f && f.withheld()) {
      withheld.addAll(f.buffers());
    }
    if (handedOver == null) {
      stage.invoke(m); // dropped if the stage has stopped since: its Detach covers it
      return this;
    }
    return sweep(m);
  }

  private Behavior<Object> onDetach(Detach d) {
    handedOver = new TreeMap<>(d.inFlight());
    if (socket != null) {
      if (!d.closedSeen()) {
        // Push mode so that the abort's salvaged bytes need no ResumeReading; they are dropped here.
        socket.tell(new Register(getContext().getSelf().narrow(), false, true));
        socket.tell(new Abort(null));
      }
      getContext().watch(socket);
      return this;
    }
    return connectPending ? this : finish();
  }

  private Behavior<Object> sweep(Object m) {
    if (m instanceof SendOutcome o) {
      NativeBuffer b = handedOver.remove(o.correlationId());
      if (b != null) {
        release(b);
      }
      return this;
    }
    if (m instanceof Connected c) { // the connect ended after the stage stopped: close it at once
      c.socket().tell(new Register(getContext().getSelf().narrow(), false, true));
      c.socket().tell(new Abort(null));
      getContext().watch(c.socket());
      return this;
    }
    if (m instanceof CommandFailed) {
      return finish();
    }
    return this; // Received, PeerClosed, Closed, WritingResumed: nobody wants them any more
  }

  private Behavior<Object> onSocketTerminated() {
    return finish();
  }

  /** Every Send left never got an outcome that anyone saw, or never was processed: release. */
  private Behavior<Object> finish() {
    for (NativeBuffer b : handedOver.values()) {
      release(b);
    }
    handedOver.clear();
    return Behaviors.stopped();
  }

  private void release(NativeBuffer b) {
    if (withheld.contains(b)) {
      ledger.withheld.incrementAndGet(); // the kernel may still read it: keep it forever
    } else {
      b.release();
      ledger.released.incrementAndGet();
    }
  }
}
