package dev.zerowire.actors;

import dev.zerowire.actors.SocketProtocol.Accepted;
import dev.zerowire.actors.SocketProtocol.Adopt;
import dev.zerowire.actors.SocketProtocol.Bind;
import dev.zerowire.actors.SocketProtocol.CommandFailed;
import dev.zerowire.actors.SocketProtocol.Connect;
import dev.zerowire.actors.SocketProtocol.ConnectReply;
import dev.zerowire.actors.SocketProtocol.Connected;
import dev.zerowire.actors.SocketProtocol.ListenerEvent;
import dev.zerowire.actors.SocketProtocol.ManagerCommand;
import dev.zerowire.actors.SocketProtocol.OpenUdp;
import dev.zerowire.nativeio.Kernel;
import dev.zerowire.nativeio.NativeSocket;
import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Opens sockets and is the parent of every socket actor and listener of an actor system, so that
 * shutdown can close them all through the same drain rules as {@code Close}. Keeps the summed
 * counters of sockets that have finished.
 */
final class Manager extends AbstractBehavior<ManagerCommand> {

  /** From a socket actor as it stops: its final counters. */
  record SocketFinished(SocketStats stats) implements SocketProtocol.ManagerInternal {}

  /**
   * From a listener: give this accepted connection a socket actor and tell {@code handler}; tell
   * {@code listener} {@link Listener.ConnectionEnded} when that actor stops (max-connections).
   */
  record SpawnAccepted(NativeSocket socket, SocketOptions options, ActorRef<ListenerEvent> handler,
      ActorRef<SocketProtocol.ListenerCommand> listener) implements SocketProtocol.ManagerInternal {}

  /**
   * Shutdown: close every socket gracefully within {@code budget} (then reset) and every
   * listener; reply when all have stopped.
   */
  record CloseAll(Duration budget, ActorRef<Done> replyTo) implements SocketProtocol.ManagerInternal {}

  /** Reply: counters summed over finished and live sockets. */
  record GetTotals(ActorRef<SocketStats> replyTo) implements SocketProtocol.ManagerInternal {}

  static Behavior<ManagerCommand> create(Poller poller, ActorRef<Reaper.Command> reaper, Settings settings) {
    return Behaviors.setup(ctx -> new Manager(ctx, poller, reaper, settings));
  }

  private static final DispatcherSelector DISPATCHER = DispatcherSelector.fromConfig(Settings.DISPATCHER);

  private final SocketActor.Runtime runtime;
  private final Settings.Listening listening;
  private final Set<ActorRef<SocketProtocol.Command>> sockets = new HashSet<>();
  private final Map<ActorRef<SocketProtocol.Command>, ActorRef<SocketProtocol.ListenerCommand>> acceptedBy = new HashMap<>();
  private final Set<ActorRef<SocketProtocol.ListenerCommand>> listeners = new HashSet<>();
  private final java.util.List<ActorRef<Done>> closeAllWaiters = new java.util.ArrayList<>();
  private SocketStats finishedTotals = SocketStats.ZERO;
  private long spawned;
  /** The JMX bean of each live socket (zerowire.jmx.per-socket); unregistered when it stops. */
  private final java.util.Map<ActorRef<?>, javax.management.ObjectName> socketBeans = new java.util.HashMap<>();
  private final boolean socketBeansOn;

  private Manager(ActorContext<ManagerCommand> ctx, Poller poller, ActorRef<Reaper.Command> reaper, Settings settings) {
    super(ctx);
    this.runtime = new SocketActor.Runtime(poller, reaper, ctx.getSelf(), settings.slowReleaseThreshold(),
        settings.assumeLocalCopies());
    this.listening = settings.listening();
    var config = ctx.getSystem().settings().config();
    this.socketBeansOn = config.getBoolean("zerowire.jmx.enabled") && config.getBoolean("zerowire.jmx.per-socket");
  }

  @Override
  public Receive<ManagerCommand> createReceive() {
    return newReceiveBuilder()
        .onMessage(Connect.class, this::onConnect)
        .onMessage(OpenUdp.class, this::onOpenUdp)
        .onMessage(Adopt.class, a -> {
          spawnSocket(a.socket(), a.options(), null, replyingTo(a, a.replyTo()));
          return this;
        })
        .onMessage(Bind.class, this::onBind)
        .onMessage(SpawnAccepted.class, this::onSpawnAccepted)
        .onMessage(SocketFinished.class, f -> {
          finishedTotals = finishedTotals.plus(f.stats());
          return this;
        })
        .onMessage(GetTotals.class, this::onGetTotals)
        .onMessage(CloseAll.class, this::onCloseAll)
        .onSignal(org.apache.pekko.actor.typed.PostStop.class, p -> {
          socketBeans.values().forEach(Jmx::unregister);
          return this;
        })
        .onSignal(Terminated.class, t -> {
          Jmx.unregister(socketBeans.remove(t.getRef()));
          sockets.remove(t.getRef());
          ActorRef<SocketProtocol.ListenerCommand> listener = acceptedBy.remove(t.getRef());
          if (listener != null) {
            listener.tell(Listener.ConnectionEnded.INSTANCE);
          }
          listeners.remove(t.getRef());
          maybeAllClosed();
          return this;
        })
        .build();
  }

  private Behavior<ManagerCommand> onConnect(Connect c) {
    NativeSocket s;
    try {
      s = NativeSocket.forAddress(c.remote(), Kernel.SOCK_STREAM);
    } catch (IOException | RuntimeException e) {
      c.replyTo().tell(new CommandFailed(c, new IOException("connect to " + c.remote() + ": " + e.getMessage(), e)));
      return this;
    }
    spawnSocket(s, c.options(), c.remote(), replyingTo(c, c.replyTo())); // the socket actor connects
    return this;
  }

  private Behavior<ManagerCommand> onOpenUdp(OpenUdp u) {
    NativeSocket s = null;
    try {
      s = NativeSocket.forAddress(u.remote(), Kernel.SOCK_DGRAM);
      if (u.local() != null) {
        s.bind(u.local());
      }
      s.connect(u.remote()); // UDP: sets the default destination, never in progress
      spawnSocket(s, u.options(), null, replyingTo(u, u.replyTo()));
    } catch (IOException | RuntimeException e) {
      if (s != null) {
        s.close();
      }
      u.replyTo().tell(new CommandFailed(u, new IOException("udp to " + u.remote() + ": " + e.getMessage(), e)));
    }
    return this;
  }

  private Behavior<ManagerCommand> onBind(Bind b) {
    if (!closeAllWaiters.isEmpty()) {
      b.handler().tell(new SocketProtocol.BindFailed(b.local(), new IOException("zerowire is shutting down")));
      return this;
    }
    ActorRef<SocketProtocol.ListenerCommand> l =
        getContext().spawn(Listener.create(b, runtime.poller(), getContext().getSelf(), listening), "listener-" + (++spawned),
            DISPATCHER);
    getContext().watch(l);
    listeners.add(l);
    return this;
  }

  private Behavior<ManagerCommand> onSpawnAccepted(SpawnAccepted a) {
    ActorRef<SocketProtocol.Command> ref = spawnSocket(a.socket(), a.options(), null, new SocketActor.OpenListener() {
      @Override
      public void opened(Connected c) {
        a.handler().tell(new Accepted(c.socket(), c.remote(), c.zeroCopy()));
      }

      @Override
      public void failed(Throwable cause) {
        getContext().getLog().warn("accepted connection could not be set up: {}", cause.getMessage());
      }

      @Override
      public ActorRef<?> ownerUntilRegistered() {
        return a.handler();
      }
    });
    if (ref != null) {
      acceptedBy.put(ref, a.listener());
    } else {
      a.listener().tell(Listener.ConnectionEnded.INSTANCE);
    }
    return this;
  }

  private static SocketActor.OpenListener replyingTo(Object command, ActorRef<ConnectReply> replyTo) {
    return new SocketActor.OpenListener() {
      @Override
      public void opened(Connected c) {
        replyTo.tell(c);
      }

      @Override
      public void failed(Throwable cause) {
        replyTo.tell(new CommandFailed(command, cause));
      }

      @Override
      public ActorRef<?> requester() {
        return replyTo;
      }
    };
  }

  /** The new socket actor, or null when shutting down (the socket is closed, {@code onOpen} told). */
  private ActorRef<SocketProtocol.Command> spawnSocket(NativeSocket s, SocketOptions options, SocketAddress connectTo,
      SocketActor.OpenListener onOpen) {
    if (!closeAllWaiters.isEmpty()) {
      s.close();
      onOpen.failed(new IOException("zerowire is shutting down"));
      return null;
    }
    String name = "socket-" + (++spawned);
    // The bean is registered before the actor exists: whoever hears Connected (told by the actor,
    // maybe before this method returns) finds the socket in JMX already.
    java.util.concurrent.atomic.AtomicReference<ActorRef<SocketProtocol.Command>> owner =
        new java.util.concurrent.atomic.AtomicReference<>();
    javax.management.ObjectName bean = null;
    if (socketBeansOn) {
      var scheduler = getContext().getSystem().scheduler();
      bean = Jmx.register("Socket", getContext().getSystem().name(), name,
          new Jmx.StatsBean(() -> org.apache.pekko.actor.typed.javadsl.AskPattern.ask(
              owner.get(), SocketProtocol.GetStats::new, Jmx.ASK_TIMEOUT, scheduler)));
    }
    ActorRef<SocketProtocol.Command> ref = getContext().spawn(
        SocketActor.create(s, options, runtime, connectTo, onOpen), name, DISPATCHER);
    owner.set(ref);
    getContext().watch(ref);
    sockets.add(ref);
    if (socketBeansOn) {
      socketBeans.put(ref, bean);
    }
    return ref;
  }

  private Behavior<ManagerCommand> onCloseAll(CloseAll c) {
    closeAllWaiters.add(c.replyTo());
    for (ActorRef<SocketProtocol.Command> s : sockets) {
      s.tell(new SocketActor.ShutdownClose(c.budget()));
    }
    for (ActorRef<SocketProtocol.ListenerCommand> l : listeners) {
      l.tell(SocketProtocol.Unbind.INSTANCE);
    }
    maybeAllClosed();
    return this;
  }

  private void maybeAllClosed() {
    if (!closeAllWaiters.isEmpty() && sockets.isEmpty() && listeners.isEmpty()) {
      closeAllWaiters.forEach(w -> w.tell(Done.getInstance()));
      closeAllWaiters.clear();
      closeAllWaiters.add(getContext().getSystem().ignoreRef()); // stay "shutting down"
    }
  }

  private Behavior<ManagerCommand> onGetTotals(GetTotals g) {
    SocketStats base = finishedTotals;
    Set<ActorRef<SocketProtocol.Command>> live = Set.copyOf(sockets);
    getContext().spawnAnonymous(Behaviors.<Object>setup(ctx -> {
      ctx.setReceiveTimeout(Duration.ofSeconds(2), "timeout");
      for (ActorRef<SocketProtocol.Command> s : live) {
        s.tell(new SocketProtocol.GetStats(ctx.getSelf().narrow()));
      }
      return collect(g.replyTo(), base, live.size());
    }));
    return this;
  }

  private static Behavior<Object> collect(ActorRef<SocketStats> replyTo, SocketStats sum, int waiting) {
    if (waiting == 0) {
      replyTo.tell(sum);
      return Behaviors.stopped();
    }
    return Behaviors.receive(Object.class)
        .onMessage(SocketStats.class, s -> collect(replyTo, sum.plus(s), waiting - 1))
        .onMessageEquals("timeout", () -> collect(replyTo, sum, 0)) // a socket stopped meanwhile
        .build();
  }
}
