package dev.zerowire.streams;

import dev.zerowire.actors.SocketOptions;
import dev.zerowire.actors.SocketProtocol.Accepted;
import dev.zerowire.actors.SocketProtocol.Bind;
import dev.zerowire.actors.SocketProtocol.BindFailed;
import dev.zerowire.actors.SocketProtocol.Bound;
import dev.zerowire.actors.SocketProtocol.Connected;
import dev.zerowire.actors.SocketProtocol.ListenerCommand;
import dev.zerowire.actors.SocketProtocol.ListenerEvent;
import dev.zerowire.actors.SocketProtocol.Unbind;
import dev.zerowire.actors.SocketProtocol.Unbound;
import dev.zerowire.actors.ZeroWire;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.GraphStageWithMaterializedValue;
import scala.Tuple2;
import scala.runtime.BoxedUnit;

/**
 * A zerowire listener as a {@code Source<IncomingConnection>}, behind {@link ZeroWireStreams#bind}.
 *
 * <pre>
 *   binding ──Bound──▶ listening ──downstream cancelled: Unbind──▶ unbinding ──Unbound──▶ stopped
 *      └─BindFailed: fail                └─Unbound (not asked for, e.g. shutdown): fail
 * </pre>
 *
 * The listener cannot pause accepting, so connections accepted while the downstream is not
 * pulling wait here in a queue (each holds only an fd and an idle actor; use {@code
 * maxConnections} in {@link ZeroWireStreams#bind} to bound them). Listener events come to the
 * stage's own actor ({@code getStageActor}): unlike a connection they carry no buffers, so
 * nothing is lost if one arrives after the stage stopped, except a connection accepted in that
 * moment, which stays open until shutdown.
 *
 * <p><b>Ownership</b>: the stage owns the queue of connections not yet handed out, and aborts
 * them if it stops first.
 */
final class BindStage extends GraphStageWithMaterializedValue<SourceShape<IncomingConnection>, CompletionStage<Bound>> {
  private final Outlet<IncomingConnection> out = Outlet.create("ZeroWireBind.out");
  private final SourceShape<IncomingConnection> shape = SourceShape.of(out);

  private final ActorSystem<?> system;
  private final SocketAddress local;
  private final SocketOptions options;
  private final StreamSettings settings;
  private final int backlog;
  private final int maxConnections;
  private final BufferLedger ledger;

  BindStage(ActorSystem<?> system, SocketAddress local, SocketOptions options, StreamSettings settings, int backlog,
      int maxConnections, BufferLedger ledger) {
    this.system = system;
    this.local = local;
    this.options = options;
    this.settings = settings;
    this.backlog = backlog;
    this.maxConnections = maxConnections;
    this.ledger = ledger;
  }

  @Override
  public SourceShape<IncomingConnection> shape() {
    return shape;
  }

  @Override
  public Tuple2<GraphStageLogic, CompletionStage<Bound>> createLogicAndMaterializedValue(Attributes attrs) {
    CompletableFuture<Bound> bound = new CompletableFuture<>();
    return new Tuple2<>(new Logic(bound), bound);
  }

  private final class Logic extends GraphStageLogic {
    private final CompletableFuture<Bound> boundPromise;
    private final ArrayDeque<IncomingConnection> accepted = new ArrayDeque<>();
    private ActorRef<ListenerCommand> listener;
    private SocketAddress boundAddress;
    private boolean cancelled;
    private boolean unbound;

    Logic(CompletableFuture<Bound> boundPromise) {
      super(shape);
      this.boundPromise = boundPromise;
      setHandler(out, new AbstractOutHandler() {
        @Override
        public void onPull() {
          if (!accepted.isEmpty()) {
            push(out, accepted.poll());
          }
        }

        @Override
        public void onDownstreamFinish(Throwable cause) {
          cancelled = true;
          if (listener == null) {
            return; // Bound is on its way: unbind then
          }
          listener.tell(Unbind.INSTANCE); // the stage stops at Unbound
        }
      });
    }

    @Override
    public void preStart() {
      setKeepGoing(true); // after a cancel, until Unbound
      ActorRef<ListenerEvent> self = Adapter.toTyped(getStageActor(m -> {
        onListenerEvent(m._2());
        return BoxedUnit.UNIT;
      }).ref());
      ZeroWire.get(system).manager().tell(new Bind(local, options, backlog, self, maxConnections));
    }

    private void onListenerEvent(Object m) {
      switch (m) {
        case Bound b -> {
          listener = b.listener();
          boundAddress = b.local();
          boundPromise.complete(b);
          if (cancelled) {
            listener.tell(Unbind.INSTANCE);
          }
        }
        case BindFailed f -> {
          IOException ex = new IOException("zerowire bind to " + local + " failed: " + f.cause().getMessage(), f.cause());
          boundPromise.completeExceptionally(ex);
          failStage(ex);
        }
        case Accepted a -> {
          IncomingConnection c = new IncomingConnection(system,
              new Connected(a.socket(), boundAddress, a.remote(), a.zeroCopy()), options, settings, ledger);
          if (cancelled) {
            c.abort();
          } else if (isAvailable(out)) {
            push(out, c);
          } else {
            accepted.add(c);
          }
        }
        case Unbound u -> {
          unbound = true;
          if (cancelled) {
            completeStage();
          } else {
            failStage(new IOException("zerowire listener on " + boundAddress + " stopped"));
          }
        }
        default -> throw new IllegalStateException("unexpected " + m);
      }
    }

    @Override
    public void postStop() {
      for (IncomingConnection c : accepted) {
        c.abort();
      }
      accepted.clear();
      if (listener != null && !unbound && !cancelled) {
        listener.tell(Unbind.INSTANCE);
      }
      if (!boundPromise.isDone()) {
        boundPromise.completeExceptionally(new IOException("zerowire bind to " + local + ": stream stopped before Bound"));
      }
    }
  }

}
