package dev.zerowire.samples;

import dev.zerowire.actors.SocketStats;
import dev.zerowire.blight.BlightClient;
import dev.zerowire.blight.BlightLoad;
import dev.zerowire.blight.BlightProtocol.ClientClosed;
import dev.zerowire.blight.BlightProtocol.ClientCommand;
import dev.zerowire.blight.BlightProtocol.ClientConnectFailed;
import dev.zerowire.blight.BlightProtocol.ClientConnected;
import dev.zerowire.blight.BlightProtocol.ClientEvent;
import dev.zerowire.blight.BlightProtocol.ClientFault;
import dev.zerowire.blight.BlightProtocol.ClientStats;
import dev.zerowire.blight.BlightProtocol.CloseClient;
import dev.zerowire.blight.BlightSettings;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** The client half shared by blight-client and demo: connect, run a {@link BlightLoad}, close, report. */
final class BlightRuns {
  private BlightRuns() {
  }

  /** Client runs started in this process. */
  private static final java.util.concurrent.atomic.AtomicLong RUNS = new java.util.concurrent.atomic.AtomicLong();

  /** What a client run produced: the load's result and the client's final counters. */
  record ClientRun(BlightLoad.Result result, ClientStats stats, String how, ClientConnected connected) {

    /** Payload messages per second. */
    double messagesPerSecond() {
      return result.seconds() > 0 ? result.messages() / result.seconds() : 0;
    }

    /** Payload megabytes (10^6 bytes) per second. */
    double megabytesPerSecond() {
      return result.seconds() > 0 ? result.bytes() / 1e6 / result.seconds() : 0;
    }

    /** The keys of blight-client's --json, in its order. */
    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("messages", result.messages());
      m.put("bytes", result.bytes());
      m.put("checksum", result.checksum());
      m.put("acks", stats.acksReceived());
      m.put("seconds", round(result.seconds(), 3));
      m.put("msgs_per_s", round(messagesPerSecond(), 1));
      m.put("mb_per_s", round(megabytesPerSecond(), 1));
      m.put("zerocopy_sends", stats.socket().zeroCopySends());
      m.put("copied_completions", stats.socket().copiedCompletions());
      m.put("released", result.released());
      m.put("failed", result.failed());
      return m;
    }

    /** Everything went through: no failure, every awaited ack, the final Ping acked. */
    boolean ok() {
      return result.ok();
    }
  }

  static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  /**
   * Connects a client to {@code remote}, runs {@code spec} through it (progress on {@code bar}),
   * then closes it.
   *
   * @throws IllegalStateException when the client cannot connect (the message says why)
   */
  static ClientRun run(ActorSystem<?> system, SocketAddress remote, BlightSettings settings, BlightLoad.Spec spec,
             ProgressBar bar) throws TimeoutException, InterruptedException {
    return run(system, remote, settings, spec, bar, c -> { });
  }

  /**
   * As {@link #run(ActorSystem, SocketAddress, BlightSettings, BlightLoad.Spec, ProgressBar)},
   * handing the client to {@code started} as soon as it exists (a signal handler closes it).
   * Never throws for a client that does not report {@code ClientClosed} in time: the run then
   * says so in {@link ClientRun#how()} with the load's result and zero client counters.
   */
  static ClientRun run(ActorSystem<?> system, SocketAddress remote, BlightSettings settings, BlightLoad.Spec spec,
             ProgressBar bar, Consumer<ActorRef<ClientCommand>> started)
      throws TimeoutException, InterruptedException {
    // Actor names are unique in a system: the first run keeps the plain names, later runs in the
    // same process (the train command runs several) number theirs.
    long n = RUNS.incrementAndGet();
    String suffix = n == 1 ? "" : "-" + n;
    ActorInbox<ClientEvent> events = ActorInbox.spawn(system, "blight-client-events" + suffix, ClientEvent.class);
    ActorRef<ClientCommand> client = system.systemActorOf(BlightClient.connect(remote, settings, events.ref()),
        "blight-client" + suffix, dev.zerowire.actors.ZeroWire.dispatcher());
    started.accept(client);
    ClientEvent first = events.await(ClientEvent.class, Duration.ofSeconds(30));
    if (first instanceof ClientConnectFailed f) {
      throw new IllegalStateException(f.reason());
    }
    if (!(first instanceof ClientConnected connected)) {
      throw new IllegalStateException("unexpected " + first);
    }
    ActorRef<BlightLoad.Progress> progress = system.systemActorOf(
        Behaviors.receive(BlightLoad.Progress.class).onAnyMessage(p -> {
          bar.update(p.done());
          return Behaviors.same();
        }).build(), "blight-progress" + suffix, org.apache.pekko.actor.typed.Props.empty());
    long every = Math.max(1, spec.messages() / 500);
    ActorInbox<BlightLoad.Result> done = ActorInbox.spawn(system, "blight-load" + suffix, BlightLoad.Result.class,
        self -> BlightLoad.create(client, spec.withProgress(every, progress), self));
    BlightLoad.Result result = done.await(BlightLoad.Result.class, Duration.ofDays(365));
    bar.finish();
    client.tell(new CloseClient(null));
    // The client ends by its own stall timeout at the latest; this wait only guards against a bug.
    Duration closeWait = settings.limits().stallTimeout().plus(settings.ackTimeout()).plusSeconds(10);
    try {
      ClientClosed closed = events.await(ClientClosed.class, closeWait, e -> {
        if (e instanceof ClientFault f) {
          System.err.println("blight-client: " + f.message());
        }
      });
      return new ClientRun(result, closed.stats(), closed.how(), connected);
    } catch (TimeoutException e) {
      return new ClientRun(result, new ClientStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, SocketStats.ZERO),
          "no ClientClosed within " + closeWait.toSeconds() + " s", connected);
    }
  }
}
