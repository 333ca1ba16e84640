package dev.zerowire.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.zerowire.actors.ZeroWire;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;

/**
 * What every scenario shares: the plan, the report, progress output, and one actor system with
 * zerowire started in it (made on first use; Pekko IO and the zerowire drivers run there too).
 */
final class BenchContext implements AutoCloseable {
  private final BenchPlan plan;
  private final Report report;
  private final Progress progress;
  private ActorSystem<Void> system;

  BenchContext(BenchPlan plan, Report report, Progress progress) {
    this.plan = plan;
    this.report = report;
    this.progress = progress;
  }

  BenchPlan plan() {
    return plan;
  }

  Report report() {
    return report;
  }

  Progress progress() {
    return progress;
  }

  /** The shared actor system with zerowire in it. */
  synchronized ActorSystem<Void> system() {
    if (system == null) {
      system = startSystem("zerowire-bench", ConfigFactory.empty());
    }
    return system;
  }

  ZeroWire zeroWire() {
    return ZeroWire.get(system());
  }

  /** The dispatcher of zerowire's socket actors (reference.conf: {@code zerowire.dispatcher}). */
  static final String ZEROWIRE_DISPATCHER = "zerowire.dispatcher";

  /**
   * Where the bench's zerowire drivers (the "application" actors that tell Send) run: Pekko's
   * default dispatcher, as an application's own actors usually do, or zerowire's dispatcher
   * ({@code --driver-dispatcher zerowire}), next to the socket actors.
   */
  Props driverProps() {
    return driverProps(plan);
  }

  static Props driverProps(BenchPlan plan) {
    return plan.driverOnZeroWireDispatcher() ? dev.zerowire.actors.ZeroWire.dispatcher() : Props.empty();
  }

  /** Stops the shared system now (many-connections measures memory with a system of its own). */
  synchronized void stopSharedSystem() {
    if (system != null) {
      terminate(system);
      system = null;
    }
  }

  /** An actor system for the bench: quiet logging, zerowire started, {@code overrides} on top. */
  static ActorSystem<Void> startSystem(String name, Config overrides) {
    Config quiet = ConfigFactory.parseString("""
        pekko.loglevel = WARNING
        pekko.stdout-loglevel = WARNING
        pekko.log-dead-letters = off
        pekko.log-dead-letters-during-shutdown = off
        pekko.loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
        pekko.logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
        """);
    return ZeroWire.startStandalone(name, overrides.withFallback(quiet));
  }

  static void terminate(ActorSystem<?> s) {
    s.terminate();
    try {
      s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("actor system " + s.name() + " did not terminate in 30 s: " + e);
    }
  }

  static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);

  @Override
  public void close() {
    stopSharedSystem();
  }
}
