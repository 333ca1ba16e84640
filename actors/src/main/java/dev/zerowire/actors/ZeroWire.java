package dev.zerowire.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.dispatch.ExecutionContexts$;

/**
 * zerowire inside an actor system: a Pekko Typed {@link Extension}. Three ways in:
 * <ul>
 *   <li>{@link #start(Behavior, String)}: a new ActorSystem with <em>your</em> guardian, zerowire
 *       started before the guardian runs; spawn your actors from the guardian as usual;</li>
 *   <li>{@code ZeroWire.get(system)} in an ActorSystem you made yourself (embedded): starts it on
 *       first use, e.g. from your guardian's {@code Behaviors.setup};</li>
 *   <li>{@link #startStandalone}: a system with an empty guardian, for programs that only use
 *       {@code systemActorOf}.</li>
 * </ul>
 *
 * <p>What it starts: the poller thread (the only platform thread: it waits in epoll_wait and runs
 * the actor tasks its readiness starts, within {@code zerowire.poller.task-budget}), the reaper
 * and the manager (actors on the {@code zerowire.dispatcher} virtual-thread dispatcher).
 * At shutdown, a CoordinatedShutdown task in {@code service-stop} closes every socket through the
 * same drain rules as {@code Close} and waits for them; when the system has terminated the poller
 * thread stops and epoll and its eventfd are closed. No thread, fd or pinned buffer outlives the
 * system.
 */
public final class ZeroWire implements Extension {

  /** The extension id: {@code ZeroWire.ID.apply(system)} is {@code ZeroWire.get(system)}. */
  public static final ExtensionId<ZeroWire> ID = new ExtensionId<>() {
    @Override
    public ZeroWire createExtension(ActorSystem<?> system) {
      return new ZeroWire(system);
    }
  };

  public static ZeroWire get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /**
   * A new actor system named {@code name} whose guardian is {@code guardian}, with zerowire
   * started in it before the guardian's first behavior runs (so the guardian may use
   * {@code ZeroWire.get(ctx.getSystem())} at once). {@code config} takes precedence over the
   * application.conf / reference.conf defaults. Stop the guardian or terminate the system to stop;
   * every socket is closed through the usual drain rules first.
   */
  public static <T> ActorSystem<T> start(Behavior<T> guardian, String name, Config config) {
    initLogging();
    Behavior<T> withZeroWire = Behaviors.setup(ctx -> {
      get(ctx.getSystem());
      return guardian;
    });
    return ActorSystem.create(withZeroWire, name, config.withFallback(ConfigFactory.load()));
  }

  /**
   * Starts slf4j's binding on this thread before the actor system's threads log: otherwise slf4j 2
   * reports (a three-line SLF4J(W) notice) that it held and replayed their first calls.
   */
  private static void initLogging() {
    org.slf4j.LoggerFactory.getILoggerFactory();
  }

  /** {@link #start(Behavior, String, Config)} with the default config. */
  public static <T> ActorSystem<T> start(Behavior<T> guardian, String name) {
    return start(guardian, name, ConfigFactory.empty());
  }

  /** A new actor system of its own, with zerowire started in it. Terminate the system to stop. */
  public static ActorSystem<Void> startStandalone(String name, Config config) {
    initLogging();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), name, config.withFallback(ConfigFactory.load()));
    get(system);
    return system;
  }

  /** {@link #startStandalone(String, Config)} with the default config. */
  public static ActorSystem<Void> startStandalone(String name) {
    return startStandalone(name, ConfigFactory.empty());
  }

  /** How often the poller is checked for a thread held by a task: the executor's sweep's tick. */
  private static final Duration WATCH_EVERY = VirtualThreadPerTask.SWEEP_EVERY;

  private final ActorSystem<?> system;
  private final Settings settings;
  private final Poller poller;
  private final ActorRef<Reaper.Command> reaper;
  private final ActorRef<SocketProtocol.ManagerCommand> manager;
  private final ActorRef<DeadLetterForwarder.Command> deadLetters;
  private volatile CompletionStage<Done> closedAll; // the shutdown task's result, once it ran

  private ZeroWire(ActorSystem<?> system) {
    this.system = system;
    this.settings = Settings.from(system.settings().config());
    try {
      this.poller = new Poller(settings.pollerMaxEvents(), settings.pollerTaskBudget());
    } catch (IOException e) {
      throw new UncheckedIOException("zerowire could not start its poller", e);
    }
    DispatcherSelector dispatcher = DispatcherSelector.fromConfig(Settings.DISPATCHER);
    this.reaper = system.systemActorOf(Reaper.create(settings.reaperMaxPerDrain()), "zerowire-reaper", dispatcher);
    this.manager = system.systemActorOf(
        Manager.create(poller, reaper, settings), "zerowire-manager", dispatcher);
    system.systemActorOf(LostBuffers.create(), "zerowire-lost-buffers", dispatcher);
    this.deadLetters = system.systemActorOf(DeadLetterForwarder.create(), "zerowire-dead-letter-forwarder", dispatcher);

    // Every socket closes gracefully within the service-stop phase, even with peers that never
    // read: a graceful close gets what the phase leaves after the worst-case reset (reset-grace
    // for the kernel, reset-grace for the reaper handshake, and a margin), then resets.
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    Duration phase = Duration.ofNanos(shutdown.timeout(CoordinatedShutdown.PhaseServiceStop()).toNanos());
    Duration budget = shutdownCloseBudget(phase, settings.socket());
    shutdown.addTask(CoordinatedShutdown.PhaseServiceStop(), "zerowire-close-sockets",
        () -> closedAll = AskPattern.<SocketProtocol.ManagerCommand, Done>ask(
            manager, replyTo -> new Manager.CloseAll(budget, replyTo), phase, system.scheduler()));
    if (settings.pollerTaskBudget().isPositive()) { // the poller runs tasks: replace it if one blocks
      Cancellable watch = system.scheduler().scheduleAtFixedRate(WATCH_EVERY, WATCH_EVERY, poller::watch,
          ExecutionContexts$.MODULE$.parasitic()); // on the scheduler's thread, which ticks anyway
      system.getWhenTerminated().thenRun(watch::cancel);
    }
    system.getWhenTerminated().thenRun(poller::stop);

    if (system.settings().config().getBoolean("zerowire.jmx.enabled")) {
      javax.management.ObjectName bean = Jmx.register("ZeroWire", system.name(), null, new Jmx.StatsBean(this::totals));
      javax.management.ObjectName pollerBean = Jmx.register("Poller", system.name(), null, poller.mxBean());
      system.getWhenTerminated().thenRun(() -> {
        Jmx.unregister(pollerBean);
        Jmx.unregister(bean);
      });
    }
  }

  /** How long each socket may close gracefully at shutdown, so that all of it fits {@code phase}. */
  static Duration shutdownCloseBudget(Duration phase, SocketOptions socket) {
    Duration left = phase.minus(socket.resetGrace().multipliedBy(2)).minusMillis(500);
    Duration floor = Duration.ofMillis(100);
    Duration budget = left.compareTo(socket.closeTimeout()) < 0 ? left : socket.closeTimeout();
    return budget.compareTo(floor) < 0 ? floor : budget;
  }

  /** Where Connect, Bind, OpenUdp and Adopt go. */
  public ActorRef<SocketProtocol.ManagerCommand> manager() {
    return manager;
  }

  /**
   * The dispatcher zerowire's actors run on ({@code zerowire.dispatcher}, virtual threads). Spawn
   * the actors that send to zerowire sockets on it too: a Send then often goes to a socket actor
   * on the same kind of thread with no hand-off between pools (the benchmark measured 4 KiB
   * streams at about twice the throughput this way).
   */
  public static DispatcherSelector dispatcher() {
    return DispatcherSelector.fromConfig(Settings.DISPATCHER);
  }

  /** The configured socket defaults ({@code zerowire.socket}). */
  public SocketOptions defaultOptions() {
    return settings.socket();
  }

  /**
   * From now until {@code to} stops, what reaches any of {@code recipients} after they stopped
   * (what was left in their mailbox, and what is told to them later) goes to {@code to} instead of
   * only to dead letters, out of any message adapter's wrapper. For an actor that stops with
   * Sends in flight: call it in its {@code PostStop} with its own ref and its adapters', and the
   * Sends' outcomes reach the successor that took over its in-flight table (the blight client does
   * this). Dead letters are still logged as Pekko configures.
   */
  public void forwardDeadLetters(java.util.List<ActorRef<?>> recipients, ActorRef<Object> to) {
    deadLetters.tell(new DeadLetterForwarder.Forward(java.util.List.copyOf(recipients), to));
  }

  /** Counters summed over every socket of this system, finished and live. */
  public CompletionStage<SocketStats> totals() {
    return AskPattern.ask(manager, Manager.GetTotals::new, Duration.ofSeconds(5), system.scheduler());
  }

  /** What a socket actor needs, for tests that spawn one directly (to stop it from outside). */
  SocketActor.Runtime runtime() {
    return new SocketActor.Runtime(poller, reaper, manager, settings.slowReleaseThreshold(),
        settings.assumeLocalCopies());
  }

  /** The shutdown task's result (null before shutdown): Done when every socket closed within the phase. */
  CompletionStage<Done> closedAll() {
    return closedAll;
  }

  /** The poller thread that polls now (for tests and diagnostics). */
  Thread pollerThread() {
    return poller.thread();
  }

  /** Poller threads replaced because a task held them (for tests and diagnostics). */
  long pollerThreadsReplaced() {
    return poller.replaced();
  }

  /** The poller's epoll fd (for tests and diagnostics). */
  int pollerEpollFd() {
    return poller.epollFd();
  }

  /** Registrations the poller holds now (for tests and diagnostics). */
  int pollerRegistrations() {
    return poller.registered();
  }
}
