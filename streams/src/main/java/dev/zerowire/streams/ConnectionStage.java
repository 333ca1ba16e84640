package dev.zerowire.streams;

import dev.zerowire.actors.SocketOptions;
import dev.zerowire.actors.SocketProtocol.Abort;
import dev.zerowire.actors.SocketProtocol.Close;
import dev.zerowire.actors.SocketProtocol.Closed;
import dev.zerowire.actors.SocketProtocol.Command;
import dev.zerowire.actors.SocketProtocol.CommandFailed;
import dev.zerowire.actors.SocketProtocol.ConfirmedClose;
import dev.zerowire.actors.SocketProtocol.Connect;
import dev.zerowire.actors.SocketProtocol.Connected;
import dev.zerowire.actors.SocketProtocol.Failed;
import dev.zerowire.actors.SocketProtocol.PeerClosed;
import dev.zerowire.actors.SocketProtocol.Received;
import dev.zerowire.actors.SocketProtocol.RefusalKind;
import dev.zerowire.actors.SocketProtocol.Refused;
import dev.zerowire.actors.SocketProtocol.Register;
import dev.zerowire.actors.SocketProtocol.Released;
import dev.zerowire.actors.SocketProtocol.ResumeReading;
import dev.zerowire.actors.SocketProtocol.Send;
import dev.zerowire.actors.SocketProtocol.SendOutcome;
import dev.zerowire.actors.SocketProtocol.WritingResumed;
import dev.zerowire.actors.ZeroWire;
import dev.zerowire.nativeio.NativeBuffer;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.GraphStageWithMaterializedValue;
import org.apache.pekko.util.ByteString;
import scala.Tuple2;

/**
 * One zerowire socket as a {@code Flow<ByteString, ByteString>}: what the upstream emits is
 * written to the socket, what the socket reads is emitted downstream. Behind {@link
 * ZeroWireStreams#outgoingConnection} and {@link IncomingConnection#flow()}.
 *
 * <h2>States</h2>
 *
 * <pre>
 *   opening ──Connected──▶ open ──upstream done: ConfirmedClose; downstream cancelled: Close──▶ closing ──Closed──▶ stopped
 *      │                     │                                                                      ▲
 *      └─connect failed      └──failure (socket, Failed outcome, upstream failure): Abort ──────────┘
 * </pre>
 *
 * The ports end as the stream's semantics say (the downstream completes at the peer's end of
 * stream, fails with the socket's error, ...), but the stage itself lives on, with no ports
 * open, until the socket's {@link Closed}: only then has every Send had its outcome, so only
 * then are all the buffers back. A stage stopped before that (by its materializer) hands what is
 * left to its {@link StageInbox}.
 *
 * <h2>Why a stage with an inbox actor</h2>
 *
 * The stage owns all connection state and talks to the socket actor directly: Sends go out from
 * the stage's own thread with no hop in between. Replies come back through one small actor per
 * connection, {@link StageInbox}, rather than the stage's own actor: the stage's actor dies with
 * the stage, and an outcome that arrives after that carries buffers that must still be released
 * (and only then). The cost is one mailbox hop per outcome and per inbound chunk.
 *
 * <h2>Flow control</h2>
 *
 * <ul>
 *   <li>Out: each element is copied into NativeBuffers of at most {@code maxSendBytes}, one Send
 *       each. The upstream is pulled only while the {@link WriteWindow} has room (in-flight Sends
 *       and bytes under their bounds); a buffer is released when its Send's outcome arrives.
 *   <li>In: the socket runs in pull mode; one ResumeReading per downstream pull, so a slow
 *       downstream leaves data in the kernel and TCP's window stalls the peer.
 * </ul>
 *
 * <p><b>Ownership</b>: the stage owns the window, the buffers in it and the element being sent;
 * after {@link StageInbox.Detach} the inbox owns what was in flight.
 */
final class ConnectionStage
    extends GraphStageWithMaterializedValue<FlowShape<ByteString, ByteString>, CompletionStage<Connected>> {

  private static final AtomicLong INBOX_NAMES = new AtomicLong();

  /** How the socket comes to be: connect to an address, or one a listener has accepted. */
  sealed interface Opening permits Outgoing, Accepted {}

  record Outgoing(SocketAddress remote) implements Opening {}

  /** {@code claimed}: set by the first materialization; an accepted socket has one stream. */
  record Accepted(Connected connected, AtomicBoolean claimed) implements Opening {}

  private final Inlet<ByteString> in = Inlet.create("ZeroWireConnection.in");
  private final Outlet<ByteString> out = Outlet.create("ZeroWireConnection.out");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);

  private final ActorSystem<?> system;
  private final Opening opening;
  private final SocketOptions options;
  private final StreamSettings settings;
  private final BufferLedger ledger;

  ConnectionStage(ActorSystem<?> system, Opening opening, SocketOptions options, StreamSettings settings,
      BufferLedger ledger) {
    this.system = system;
    this.opening = opening;
    this.options = options;
    this.settings = settings;
    this.ledger = ledger;
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public Tuple2<GraphStageLogic, CompletionStage<Connected>> createLogicAndMaterializedValue(Attributes attrs) {
    CompletableFuture<Connected> connected = new CompletableFuture<>();
    // Claimed here, during materialization in the caller's thread, so the first run() wins.
    boolean duplicate = opening instanceof Accepted a && !a.claimed().compareAndSet(false, true);
    return new Tuple2<>(new Logic(connected, duplicate), connected);
  }

  private String describe() {
    return switch (opening) {
      case Outgoing o -> "zerowire connection to " + o.remote();
      case Accepted a -> "zerowire connection from " + a.connected().remote();
    };
  }

  private final class Logic extends GraphStageLogic {
    private final CompletableFuture<Connected> connectedPromise;
    private final String name = describe();
    private final long maxBytes = Math.min(settings.maxInFlightBytes(), options.maxQueuedBytes());
    private final int chunk = (int) Math.min(settings.maxSendBytes(), maxBytes);
    private final WriteWindow window = new WriteWindow(Math.min(settings.maxInFlightSends(), options.maxQueuedSends()),
        maxBytes); // within both of the socket's queue bounds: no Send of ours is refused for room
    private final ArrayDeque<ByteString> inbound = new ArrayDeque<>(); // read, not yet pushed (one unless closing)

    private ActorRef<Object> inbox;
    private ActorRef<Command> socket; // null until open
    private ByteString pending; // the part of the current element not yet sent
    private boolean upstreamDone;
    private boolean asked; // a Register or ResumeReading awaits its Received
    private boolean peerClosed;
    private boolean closeSent; // Close, ConfirmedClose or Abort went to the socket
    private boolean closedSeen;
    private boolean socketClosing; // a Send was refused as CLOSED: the socket closes by itself
    private Throwable failure;

    private final boolean duplicate; // an accepted connection materialized a second time

    Logic(CompletableFuture<Connected> connectedPromise, boolean duplicate) {
      super(shape);
      this.connectedPromise = connectedPromise;
      this.duplicate = duplicate;
      setHandler(in, new AbstractInHandler() {
        @Override
        public void onPush() {
          ByteString element = grab(in);
          pending = element.isEmpty() ? null : element; // an empty Send would be refused as invalid
          writeMore();
        }

        @Override
        public void onUpstreamFinish() {
          upstreamDone = true;
          closeWhenWritten();
        }

        @Override
        public void onUpstreamFailure(Throwable ex) {
          failWith(ex);
        }
      });
      setHandler(out, new AbstractOutHandler() {
        @Override
        public void onPull() {
          deliver();
        }

        @Override
        public void onDownstreamFinish(Throwable cause) {
          onDownstreamCancelled(cause);
        }
      });
    }

    @Override
    public void preStart() {
      if (duplicate) {
        IllegalStateException ex = new IllegalStateException(name + ": this accepted connection is handled already");
        connectedPromise.completeExceptionally(ex);
        failStage(ex);
        return;
      }
      setKeepGoing(true); // the stage outlives its ports until Closed: see the class comment
      AsyncCallback<Object> callback = createAsyncCallback(this::onSocketMessage);
      ActorRef<Command> known = opening instanceof Accepted a ? a.connected().socket() : null;
      inbox = system.systemActorOf(StageInbox.create(callback, known, ledger),
          "zerowire-stream-" + INBOX_NAMES.incrementAndGet(), ZeroWire.dispatcher());
      switch (opening) {
        case Outgoing o -> ZeroWire.get(system).manager().tell(new Connect(o.remote(), options, inbox.narrow()));
        case Accepted a -> onConnected(a.connected());
      }
    }

    @Override
    public void postStop() {
      if (inbox == null) {
        return; // never started (a second materialization of an accepted connection)
      }
      for (NativeBuffer b : window.takeRefused()) { // never touched by the socket: ours to free
        release(b);
      }
      // Everything else in flight goes to the inbox, which releases each buffer after its outcome.
      inbox.tell(new StageInbox.Detach(window.takeInFlight(), closedSeen));
      if (!connectedPromise.isDone()) {
        connectedPromise.completeExceptionally(new IOException(name + ": stream stopped before the connection opened"));
      }
    }

    // ------------------------------------------------------------------------- socket messages

    private void onSocketMessage(Object m) {
      switch (m) {
        case Connected c -> onConnected(c);
        case CommandFailed f -> onConnectFailed(f);
        case SendOutcome o -> onOutcome(o);
        case WritingResumed w -> {
          window.writingResumed();
          resend();
        }
        case Received r -> onReceived(r);
        case PeerClosed p -> onPeerClosed();
        case Closed c -> onClosed(c);
        default -> throw new IllegalStateException(name + ": unexpected " + m);
      }
    }

    private void onConnected(Connected c) {
      socket = c.socket();
      connectedPromise.complete(c);
      // Pull mode: one Received now, then one per ResumeReading; the socket stays open for
      // sending after the peer's end of stream (half-close), as Pekko's Tcp does.
      socket.tell(new Register(inbox.narrow(), true, true));
      asked = true;
      writeMore();
    }

    private void onConnectFailed(CommandFailed f) {
      IOException ex = new IOException(name + " failed: " + f.cause().getMessage(), f.cause());
      connectedPromise.completeExceptionally(ex);
      failStage(ex);
    }

    // ------------------------------------------------------------------------------- writing

    /** Sends what the window allows of the current element, then pulls for the next one. */
    private void writeMore() {
      if (socket == null || closeSent || socketClosing) {
        return;
      }
      while (pending != null && window.canSend(Math.min(chunk, pending.size()))) {
        int n = Math.min(chunk, pending.size());
        NativeBuffer b = NativeBuffer.allocate(n);
        ledger.allocated.incrementAndGet();
        pending.take(n).copyToBuffer(b.byteBuffer());
        pending = n == pending.size() ? null : pending.drop(n);
        long id = window.add(b);
        ledger.observeInFlight(window.inFlightSends(), window.bytes());
        socket.tell(new Send(List.of(b), id, inbox.narrow()));
      }
      if (pending == null && !upstreamDone && window.hasRoom() && !isClosed(in) && !hasBeenPulled(in)) {
        pull(in);
      }
      closeWhenWritten();
    }

    /** After the upstream's end and its last byte sent: FIN, and read on until the peer's end of stream. */
    private void closeWhenWritten() {
      if (upstreamDone && socket != null && pending == null && !closeSent && !window.hasRefused()) {
        closeSent = true;
        if (isClosed(out)) {
          socket.tell(new Close(null));
        } else {
          socket.tell(new ConfirmedClose(null)); // Closed says "confirmed" only after the peer's end of stream
        }
      }
    }

    private void onOutcome(SendOutcome o) {
      switch (o) {
        case Released r -> {
          NativeBuffer b = settle(r.correlationId(), true);
          if (b != null) {
            release(b);
          }
        }
        case Failed f -> {
          NativeBuffer b = settle(f.correlationId(), f.mayHaveReachedPeer());
          if (b != null) {
            if (f.withheld()) {
              ledger.withheld.incrementAndGet();
            } else {
              release(b);
            }
          }
          failWith(new IOException(name + ": send failed: " + f.reason()));
        }
        case Refused r when r.kind() == RefusalKind.NO_ROOM -> window.refusedForRoom(r.correlationId());
        case Refused r when r.kind() == RefusalKind.CLOSED -> {
          // The socket is closing on its own (an error, a reset): its Closed follows with the
          // cause, which is what the stream fails with. Nothing more goes out until then.
          NativeBuffer b = settle(r.correlationId(), false);
          if (b != null) {
            release(b);
          }
          socketClosing = true;
        }
        case Refused r -> {
          NativeBuffer b = settle(r.correlationId(), false);
          if (b != null) {
            release(b);
          }
          failWith(new IOException(name + ": send refused (" + r.kind() + "): " + r.reason()));
        }
      }
      if (failure == null) {
        resend();
        writeMore();
      }
    }

    private NativeBuffer settle(long id, boolean written) {
      try {
        return window.settle(id, written);
      } catch (IllegalStateException e) {
        failWith(e);
        return null;
      }
    }

    private void resend() {
      if (closedSeen || socket == null) {
        return;
      }
      Map<Long, NativeBuffer> again = window.takeResendable();
      for (Map.Entry<Long, NativeBuffer> e : again.entrySet()) {
        ledger.resent.incrementAndGet();
        socket.tell(new Send(List.of(e.getValue()), e.getKey(), inbox.narrow()));
      }
    }

    // ------------------------------------------------------------------------------- reading

    private void onReceived(Received r) {
      asked = false;
      if (isClosed(out)) {
        return; // cancelled downstream: dropped (the socket is closing or aborting)
      }
      inbound.add(ByteString.fromArrayUnsafe(r.data()));
      deliver();
    }

    /** Pushes what was read if the downstream wants it; asks the socket for more only on a pull. */
    private void deliver() {
      if (isClosed(out)) {
        return;
      }
      if (isAvailable(out) && !inbound.isEmpty()) {
        push(out, inbound.poll());
      }
      if (inbound.isEmpty() && (peerClosed || closedSeen)) {
        complete(out);
        maybeStop();
        return;
      }
      if (isAvailable(out) && inbound.isEmpty() && !asked && socket != null && failure == null) {
        asked = true;
        socket.tell(ResumeReading.INSTANCE);
      }
    }

    private void onPeerClosed() {
      peerClosed = true; // the socket stays open for sending: the upstream goes on (half-close)
      deliver();
    }

    private void onDownstreamCancelled(Throwable cause) {
      inbound.clear();
      if (!isClosed(in)) {
        cancel(in, cause);
      }
      pending = null;
      if (socket == null) {
        completeStage(); // a connect in flight is the inbox's to close
        return;
      }
      if (!closeSent) {
        pushMode();
        closeSent = true;
        socket.tell(new Close(null)); // writes out what was sent, FIN, reads (and drops) to the peer's end
      } else {
        pushMode();
      }
      maybeStop();
    }

    /** Nobody reads any more: let the socket deliver (to be dropped) without waiting for pulls. */
    private void pushMode() {
      socket.tell(new Register(inbox.narrow(), false, true));
      socket.tell(ResumeReading.INSTANCE);
    }

    // ------------------------------------------------------------------------------- closing

    private void failWith(Throwable ex) {
      if (failure != null) {
        return;
      }
      failure = ex;
      connectedPromise.completeExceptionally(ex);
      pending = null;
      inbound.clear();
      if (!isClosed(out)) {
        fail(out, ex);
      }
      if (!isClosed(in)) {
        cancel(in, ex);
      }
      for (NativeBuffer b : window.takeRefused()) {
        release(b);
      }
      if (socket == null) {
        failStage(ex); // the connect in flight is the inbox's to close
        return;
      }
      if (!closedSeen) {
        pushMode();
        closeSent = true;
        socket.tell(new Abort(null)); // unwritten Sends fail at once; Closed follows every outcome
      }
      maybeStop();
    }

    private void onClosed(Closed c) {
      closedSeen = true;
      // Closed comes after every outcome of every Send the socket processed: a Send still here
      // was never processed (it reached a stopped socket) and its buffer was never touched.
      for (NativeBuffer b : window.takeInFlight().values()) {
        release(b);
      }
      for (NativeBuffer b : window.takeRefused()) {
        release(b);
      }
      if (failure == null) {
        boolean ours = closeSent && !c.how().startsWith("failed") && !c.how().startsWith("aborted");
        if (!ours) {
          failWith(new IOException(name + " closed: " + c.how()));
          return;
        }
        if (!isClosed(in)) {
          cancel(in); // cannot happen after our own close, which follows the upstream's end
        }
        deliver(); // the rest of what was read, then complete
      }
      maybeStop();
    }

    /** The stage stops once the socket is closed and both ports are done. */
    private void maybeStop() {
      if (closedSeen && failure != null) {
        // Not completeStage(): called in the same turn as cancel(in, failure) it would turn that
        // cancellation into a plain one, and the upstream would not learn of the failure.
        failStage(failure);
      } else if (closedSeen && isClosed(out) && isClosed(in)) {
        completeStage();
      }
    }

    private void release(NativeBuffer b) {
      b.release();
      ledger.released.incrementAndGet();
    }
  }
}
