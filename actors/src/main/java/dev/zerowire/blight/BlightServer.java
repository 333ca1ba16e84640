package dev.zerowire.blight;

import dev.zerowire.actors.SocketOptions;
import dev.zerowire.actors.SocketProtocol;
import dev.zerowire.actors.ZeroWire;
import dev.zerowire.blight.BlightProtocol.AttachClient;
import dev.zerowire.blight.BlightProtocol.ClientAccepted;
import dev.zerowire.blight.BlightProtocol.ClientFinished;
import dev.zerowire.blight.BlightProtocol.ConnectionSummary;
import dev.zerowire.blight.BlightProtocol.GetServerSummary;
import dev.zerowire.blight.BlightProtocol.HandlerReply;
import dev.zerowire.blight.BlightProtocol.HandlerRequest;
import dev.zerowire.blight.BlightProtocol.ServerBindFailed;
import dev.zerowire.blight.BlightProtocol.ServerBound;
import dev.zerowire.blight.BlightProtocol.ServerCommand;
import dev.zerowire.blight.BlightProtocol.ServerEvent;
import dev.zerowire.blight.BlightProtocol.ServerStopped;
import dev.zerowire.blight.BlightProtocol.ServerSummary;
import dev.zerowire.blight.BlightProtocol.StopServer;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * A blight server (the socket side of Oxide's display server): listens on TCP and/or AF_UNIX
 * paths (created 0600 by zerowire's Bind), gives each client its own connection actor, and sums
 * up what the connections saw. Protocol: {@link BlightProtocol}.
 *
 * <h2>States</h2>
 *
 * <pre>
 *   binding ──all Bound──▶ serving ──StopServer──▶ stopping ──listeners unbound, connections finished──▶ stopped
 *      └─ a BindFailed: ServerBindFailed, unbind the rest ──▶ stopping
 * </pre>
 *
 * <h2>Ownership</h2>
 *
 * <h2>Bounds</h2>
 *
 * At most {@link BlightLimits#maxConnections()} connections are served at once: one more is
 * aborted on arrival, counted ({@link ServerSummary#refused()}) and logged once per burst. Every
 * connection's decoder draws payload memory from one {@link PayloadBudget} of
 * {@link BlightLimits#payloadBudget()} bytes. Only the newest {@link BlightLimits#history()}
 * summaries are kept ({@link ServerTotals}).
 *
 * <h2>Ownership</h2>
 *
 * The server owns its listeners (it must unbind them: they are the zerowire manager's children),
 * its connection actors (its children: one per client, stopped with it), the handler when it made
 * the default one (only for a policy that defers acks: otherwise each connection answers as the
 * default handler itself, {@code BlightHandlers.inlineDisplayServer}), and the summaries of
 * finished connections. Each connection owns its socket.
 */
public final class BlightServer extends AbstractBehavior<ServerCommand> {

  /** From a connection actor as it stops: its counters. */
  record ConnectionFinished(ConnectionSummary summary) implements BlightProtocol.ServerInternal {
  }

  private record ListenerMsg(SocketProtocol.ListenerEvent event) implements BlightProtocol.ServerInternal {
  }

  /**
   * A server listening on every address of {@code listen} (TCP v4/v6, or AF_UNIX paths that must
   * not exist yet; may be empty to serve only {@link AttachClient}ed sockets).
   *
   * @param handler answers each message with ack data; null for {@link BlightHandlers#displayServer()},
   *                which behaves as Oxide's display server
   * @param events  gets {@link ServerBound} (or {@link ServerBindFailed}), then per connection
   *                {@link ClientAccepted}, any faults, {@link ClientFinished}; finally
   *                {@link ServerStopped}; may be null
   */
  public static Behavior<ServerCommand> create(List<SocketAddress> listen, BlightSettings settings,
                         ActorRef<HandlerRequest> handler, ActorRef<ServerEvent> events) {
    return create(listen, settings, handler, events, null);
  }

  /**
   * As {@link #create(List, BlightSettings, ActorRef, ActorRef)}, drawing payload memory from
   * {@code budget} (which the caller may watch, or share between servers); null for a budget of
   * {@link BlightLimits#payloadBudget()} of its own.
   */
  public static Behavior<ServerCommand> create(List<SocketAddress> listen, BlightSettings settings,
                         ActorRef<HandlerRequest> handler, ActorRef<ServerEvent> events,
                         PayloadBudget budget) {
    List<SocketAddress> addresses = List.copyOf(listen);
    return Behaviors.setup(ctx -> new BlightServer(ctx, addresses, settings, handler, events,
        budget != null ? budget : new PayloadBudget(settings.limits().payloadBudget())));
  }

  private static final DispatcherSelector DISPATCHER = dev.zerowire.actors.ZeroWire.dispatcher();

  private final BlightSettings settings;
  private final SocketOptions options;
  private final ActorRef<HandlerRequest> handler; // null when the connections answer inline
  private final Function<BlightFrame, HandlerReply> inlineHandler; // null when a handler actor answers
  private final ActorRef<ServerEvent> events;
  private final List<ActorRef<SocketProtocol.ListenerCommand>> listeners = new ArrayList<>();
  private final List<SocketAddress> bound = new ArrayList<>();
  private final Map<ActorRef<BlightServerConnection.Command>, Integer> live = new HashMap<>();
  private final ServerTotals totals;
  private final PayloadBudget budget;
  /** Refusals since the last one logged: one line per burst, not one per connection. */
  private long refusedUnlogged;
  private boolean refusing;
  private final List<ActorRef<ServerStopped>> stopWaiters = new ArrayList<>();
  private int pendingBinds;
  private int liveListeners;
  private int nextId;
  private boolean stopping;
  private boolean stopped;

  private BlightServer(ActorContext<ServerCommand> ctx, List<SocketAddress> listen, BlightSettings settings,
             ActorRef<HandlerRequest> handler, ActorRef<ServerEvent> events, PayloadBudget budget) {
    super(ctx);
    this.settings = settings;
    this.totals = new ServerTotals(settings.limits().history());
    this.budget = budget;
    this.options = settings.resolveServerSocketOptions(ctx.getSystem());
    this.events = events != null ? events : ctx.getSystem().ignoreRef();
    AckPolicy policy = settings.limits().ackPolicy();
    Duration updateTime = settings.limits().epaperUpdateTime();
    if (handler != null) { // yours
      this.handler = handler;
      this.inlineHandler = null;
    } else { // the default: answered in each connection, or by one actor when acks wait for timers
      this.inlineHandler = BlightHandlers.inlineDisplayServer(policy, updateTime);
      this.handler = inlineHandler != null ? null
          : ctx.spawn(BlightHandlers.displayServer(policy, updateTime), "handler", DISPATCHER);
    }
    ActorRef<SocketProtocol.ListenerEvent> adapter =
        ctx.messageAdapter(SocketProtocol.ListenerEvent.class, ListenerMsg::new);
    ActorRef<SocketProtocol.ManagerCommand> manager = ZeroWire.get(ctx.getSystem()).manager();
    pendingBinds = listen.size();
    for (SocketAddress a : listen) {
      manager.tell(new SocketProtocol.Bind(a, options, 128, adapter));
    }
    if (pendingBinds == 0) {
      this.events.tell(new ServerBound(ctx.getSelf(), List.of()));
    }
  }

  @Override
  public Receive<ServerCommand> createReceive() {
    return newReceiveBuilder()
        .onMessage(ListenerMsg.class, this::onListenerEvent)
        .onMessage(AttachClient.class, a -> {
          serve(a.socket(), a.remote(), a.zeroCopy());
          return this;
        })
        .onMessage(ConnectionFinished.class, this::onConnectionFinished)
        .onMessage(StopServer.class, this::onStop)
        .onMessage(GetServerSummary.class, g -> {
          g.replyTo().tell(summary());
          return this;
        })
        .onSignal(Terminated.class, t -> {
          live.remove(t.getRef());
          return maybeStopped();
        })
        .onSignal(PostStop.class, s -> onPostStop())
        .build();
  }

  // ============================================================================== listening

  private Behavior<ServerCommand> onListenerEvent(ListenerMsg m) {
    switch (m.event()) {
      case SocketProtocol.Bound b -> {
        pendingBinds--;
        liveListeners++;
        listeners.add(b.listener());
        bound.add(b.local());
        if (stopping) {
          b.listener().tell(SocketProtocol.Unbind.INSTANCE);
        }
        bindingDone();
      }
      case SocketProtocol.BindFailed f -> {
        pendingBinds--;
        String reason = "cannot listen on " + BlightAddress.format(f.local()) + ": " + f.cause().getMessage();
        getContext().getLog().error("blight server: {}", reason);
        totals.addServerError(reason);
        events.tell(new ServerBindFailed(f.local(), reason));
        beginStop();
        bindingDone();
      }
      case SocketProtocol.Accepted a -> serve(a.socket(), a.remote(), a.zeroCopy());
      case SocketProtocol.Unbound u -> liveListeners--;
    }
    return maybeStopped();
  }

  private void bindingDone() {
    if (pendingBinds == 0 && !stopping) {
      events.tell(new ServerBound(getContext().getSelf(), List.copyOf(bound)));
    }
  }

  private void serve(ActorRef<SocketProtocol.Command> socket, SocketAddress remote, boolean zeroCopy) {
    if (stopping) {
      socket.tell(new SocketProtocol.Abort(null)); // arrived while stopping: not served
      return;
    }
    if (live.size() >= settings.limits().maxConnections()) {
      // Aborted, not queued: a connection waiting here would still hold an fd and a socket actor.
      socket.tell(new SocketProtocol.Abort(null));
      totals.refused();
      if (!refusing) {
        refusing = true;
        getContext().getLog().warn("blight server: {} connections open (max-connections); refusing {}",
            live.size(), remote == null ? "an unnamed peer" : BlightAddress.format(remote));
      } else {
        refusedUnlogged++;
      }
      return;
    }
    if (refusing) {
      refusing = false;
      getContext().getLog().warn("blight server: accepting again after refusing {} more connection(s)",
          refusedUnlogged);
      refusedUnlogged = 0;
    }
    int id = ++nextId;
    ActorRef<BlightServerConnection.Command> c = getContext().spawn(
        BlightServerConnection.create(id, socket, remote, settings, options, budget, handler,
            inlineHandler, events, getContext().getSelf()),
        "connection-" + id, DISPATCHER);
    getContext().watch(c);
    live.put(c, id);
    events.tell(new ClientAccepted(id, BlightServerConnection.describe(id, remote), remote, zeroCopy));
  }

  private Behavior<ServerCommand> onConnectionFinished(ConnectionFinished f) {
    totals.add(f.summary());
    events.tell(new ClientFinished(f.summary()));
    return this;
  }

  // =============================================================================== stopping

  private Behavior<ServerCommand> onStop(StopServer s) {
    if (s.replyTo() != null) {
      stopWaiters.add(s.replyTo());
    }
    beginStop();
    return maybeStopped();
  }

  private void beginStop() {
    if (stopping) {
      return;
    }
    stopping = true;
    listeners.forEach(l -> l.tell(SocketProtocol.Unbind.INSTANCE));
    live.keySet().forEach(c -> c.tell(BlightServerConnection.CloseConnection.INSTANCE));
  }

  private Behavior<ServerCommand> maybeStopped() {
    if (stopping && pendingBinds == 0 && liveListeners == 0 && live.isEmpty()) {
      ServerStopped done = new ServerStopped(summary());
      stopWaiters.forEach(w -> w.tell(done));
      events.tell(done);
      stopped = true;
      return Behaviors.stopped();
    }
    return this;
  }

  private ServerSummary summary() {
    return totals.summary();
  }

  /** Stopped from outside: the listeners are not our children, so unbind them here. */
  private Behavior<ServerCommand> onPostStop() {
    if (!stopped) {
      listeners.forEach(l -> l.tell(SocketProtocol.Unbind.INSTANCE));
    }
    return this;
  }
}
