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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** The client half shared by blight-client and demo: connect, run a {@link BlightLoad}, close, report. */
final class BlightRuns {
  private BlightRuns() {
  }

  /** Client runs started in this process. */
  private static final java.util.concurrent.atomic.AtomicLong RUNS = new java.util.concurrent.atomic.AtomicLong();

  /**
   * What a client run produced: each load's result, in order, and the client's final counters.
   * A load that was not ok ends the run, so {@code loads} may be shorter than what was asked for.
   */
  record ClientRun(List<BlightLoad.Result> loads, ClientStats stats, String how, ClientConnected connected) {
    ClientRun {
      loads = List.copyOf(loads);
    }

    /** The first load's result: the whole run when there is one load (blight-client without --load, demo). */
    BlightLoad.Result result() {
      return loads.get(0);
    }

    /** Payload messages per second, over every load. */
    double messagesPerSecond() {
      double seconds = seconds();
      return seconds > 0 ? messages() / seconds : 0;
    }

    /** Payload megabytes (10^6 bytes) per second, over every load. */
    double megabytesPerSecond() {
      double seconds = seconds();
      return seconds > 0 ? loads.stream().mapToLong(BlightLoad.Result::bytes).sum() / 1e6 / seconds : 0;
    }

    private long messages() {
      return loads.stream().mapToLong(BlightLoad.Result::messages).sum();
    }

    private double seconds() {
      return loads.stream().mapToDouble(BlightLoad.Result::seconds).sum();
    }

    /**
     * The keys of blight-client's --json, in its order. With one load, its figures; with several
     * (--load), the sums over them, no top-level checksum (each load's checksum covers its own
     * ackids 1..N) and a {@code loads} list of {@link #loadJson} objects.
     */
    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("messages", messages());
      m.put("bytes", loads.stream().mapToLong(BlightLoad.Result::bytes).sum());
      if (loads.size() == 1) {
        m.put("checksum", result().checksum());
      }
      m.put("acks", stats.acksReceived());
      m.put("seconds", round(seconds(), 3));
      m.put("msgs_per_s", round(messagesPerSecond(), 1));
      m.put("mb_per_s", round(megabytesPerSecond(), 1));
      m.put("zerocopy_sends", stats.socket().zeroCopySends());
      m.put("copied_completions", stats.socket().copiedCompletions());
      m.put("released", loads.stream().mapToLong(BlightLoad.Result::released).sum());
      m.put("failed", loads.stream().mapToLong(BlightLoad.Result::failed).sum());
      if (loads.size() > 1) {
        m.put("loads", loads.stream().map(ClientRun::loadJson).toList());
      }
      return m;
    }

    /**
     * One load: {@code messages, bytes, checksum, seconds, msgs_per_s, mb_per_s, acks_awaited,
     * released, failed, ok}, and for types libblight waits on {@code latency_us_p50} and
     * {@code latency_us_p99} (request told to the client until its Ack reached the load).
     */
    static Map<String, Object> loadJson(BlightLoad.Result r) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("messages", r.messages());
      m.put("bytes", r.bytes());
      m.put("checksum", r.checksum());
      m.put("seconds", round(r.seconds(), 6));
      m.put("msgs_per_s", round(r.seconds() > 0 ? r.messages() / r.seconds() : 0, 1));
      m.put("mb_per_s", round(r.seconds() > 0 ? r.bytes() / 1e6 / r.seconds() : 0, 1));
      m.put("acks_awaited", r.acksAwaited());
      m.put("released", r.released());
      m.put("failed", r.failed());
      if (r.acksAwaited() > 0) {
        m.put("latency_us_p50", round(r.latencyP50Nanos() / 1e3, 2));
        m.put("latency_us_p99", round(r.latencyP99Nanos() / 1e3, 2));
      }
      m.put("ok", r.ok());
      return m;
    }

    /** Everything went through in every load: no failure, every awaited ack, each final Ping acked. */
    boolean ok() {
      return loads.stream().allMatch(BlightLoad.Result::ok);
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
    return run(system, remote, settings, List.of(spec), s -> bar, c -> { });
  }

  /**
   * Connects a client to {@code remote} and runs {@code specs} through it one after the other on
   * the same connection (each a load of its own: ackids from 1, its own final Ping), stopping after
   * the first load that is not ok; then closes it. {@code bars} gives each load its progress bar.
   * The client goes to {@code started} as soon as it exists (a signal handler closes it).
   * Never throws for a client that does not report {@code ClientClosed} in time: the run then
   * says so in {@link ClientRun#how()} with the loads' results and zero client counters.
   *
   * @throws IllegalStateException when the client cannot connect (the message says why)
   */
  static ClientRun run(ActorSystem<?> system, SocketAddress remote, BlightSettings settings,
             List<BlightLoad.Spec> specs, Function<BlightLoad.Spec, ProgressBar> bars,
             Consumer<ActorRef<ClientCommand>> started)
      throws TimeoutException, InterruptedException {
    if (specs.isEmpty()) {
      throw new IllegalArgumentException("no load to run");
    }
    // Actor names are unique in a system: the first run keeps the plain names, later runs in the
    // same process (the train command runs several) number theirs.
    long n = RUNS.incrementAndGet();
    String suffix = n == 1 ? "" : "-" + n;
    // A load keeps at most its window of requests without outcome (its final Ping leaves after
    // they are back), so a --window above the client's queue bound raises the bound to fit it.
    int window = specs.stream().mapToInt(BlightLoad.Spec::window).max().getAsInt();
    if (window > settings.limits().maxQueuedRequests()) {
      settings = settings.withLimits(settings.limits().withMaxQueuedRequests(window));
    }
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
    List<BlightLoad.Result> results = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      BlightLoad.Spec spec = specs.get(i);
      ProgressBar bar = bars.apply(spec);
      String loadSuffix = suffix + (i == 0 ? "" : "-" + (i + 1)); // actor names are unique per system
      ActorRef<BlightLoad.Progress> progress = system.systemActorOf(
          Behaviors.receive(BlightLoad.Progress.class).onAnyMessage(p -> {
            bar.update(p.done());
            return Behaviors.same();
          }).build(), "blight-progress" + loadSuffix, org.apache.pekko.actor.typed.Props.empty());
      long every = Math.max(1, spec.messages() / 500);
      ActorInbox<BlightLoad.Result> done = ActorInbox.spawn(system, "blight-load" + loadSuffix, BlightLoad.Result.class,
          self -> BlightLoad.create(client, spec.withProgress(every, progress), self));
      BlightLoad.Result result = done.await(BlightLoad.Result.class, Duration.ofDays(365));
      bar.finish();
      results.add(result);
      if (!result.ok()) {
        break;
      }
    }
    client.tell(new CloseClient(null));
    // The client ends by its own stall timeout at the latest; this wait only guards against a bug.
    Duration closeWait = settings.limits().stallTimeout().plus(settings.ackTimeout()).plusSeconds(10);
    try {
      ClientClosed closed = events.await(ClientClosed.class, closeWait, e -> {
        if (e instanceof ClientFault f) {
          System.err.println("blight-client: " + f.message());
        }
      });
      return new ClientRun(results, closed.stats(), closed.how(), connected);
    } catch (TimeoutException e) {
      return new ClientRun(results, new ClientStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, SocketStats.ZERO),
          "no ClientClosed within " + closeWait.toSeconds() + " s", connected);
    }
  }
}
