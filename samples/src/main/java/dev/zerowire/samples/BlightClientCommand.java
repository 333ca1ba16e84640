package dev.zerowire.samples;

import dev.zerowire.actors.SendMode;
import dev.zerowire.actors.ZeroWire;
import dev.zerowire.blight.BlightAddress;
import dev.zerowire.blight.BlightLimits;
import dev.zerowire.blight.BlightLoad;
import dev.zerowire.blight.BlightProtocol.AbortClient;
import dev.zerowire.blight.BlightProtocol.ClientCommand;
import dev.zerowire.blight.BlightProtocol.CloseClient;
import dev.zerowire.blight.BlightSettings;
import dev.zerowire.blight.BlightType;
import java.net.SocketAddress;
import java.time.Duration;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.typed.ActorSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ./zerowire blight-client}: a blight client as libblight would act, over zerowire. Sends N
 * messages with ackids 1..N, payload byte i of ackid k being {@code (k*31 + i) & 0xff}, waits for
 * acks where libblight does, ends with a Ping of ackid N+1 and waits for its Ack before closing.
 *
 * <p>It always ends and always reports (issue 9, break 4): the client gives up on a server that
 * makes no progress for the stall timeout, and with --json exactly one JSON object is printed on
 * success, on failure (including a failed connect) and on SIGTERM/SIGINT, with an {@code errors}
 * list. A signal closes the client (new requests are refused, owed outcomes still come); if that
 * has not ended the run {@value #CLOSE_GRACE_SECONDS} s later the client aborts (every owed request
 * fails at once, so the counters are still whole); if even that has not ended it
 * {@value #SIGNAL_GRACE_SECONDS} s after the signal, what is known is printed.
 */
@Command(name = "blight-client", mixinStandardHelpOptions = true,
    description = {"Send blight messages to a blight server (Oxide's display server, or blight-server).",
      "Exit code 0 when every message was sent, every awaited ack came and the final Ping was acked."})
public final class BlightClientCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--connect", required = true, paramLabel = "ADDRESS",
      description = "tcp:HOST:PORT or unix:PATH")
  String connect;

  @Option(names = "--type", defaultValue = "repaint", paramLabel = "TYPE",
      description = "repaint|move|info|delete|list|raise|lower|wait|focus|ping (default: ${DEFAULT-VALUE})")
  String type;

  @Option(names = "--messages", defaultValue = "1000", paramLabel = "N", description = "default: ${DEFAULT-VALUE}")
  long messages;

  @Option(names = "--size", defaultValue = "4096", paramLabel = "BYTES",
      description = "payload bytes per message (default: ${DEFAULT-VALUE})")
  int size;

  @Option(names = "--mode", defaultValue = "adaptive", paramLabel = "MODE",
      description = "adaptive|zerocopy|copy (default: ${DEFAULT-VALUE})")
  String mode;

  @Option(names = "--window", defaultValue = "128", paramLabel = "N",
      description = "payload buffers in flight for pipelined types (default: ${DEFAULT-VALUE})")
  int window;

  @Option(names = "--ack-timeout", defaultValue = "10", paramLabel = "SECONDS",
      description = "how long to wait for an awaited ack (default: ${DEFAULT-VALUE})")
  double ackTimeout;

  @Option(names = "--stall-timeout", defaultValue = "30", paramLabel = "SECONDS",
      description = "give up when the server makes no progress (no ack, no bytes taken) this long "
          + "(default: ${DEFAULT-VALUE})")
  double stallTimeout;

  @Option(names = "--load", paramLabel = "TYPE:SIZE:N",
      description = "instead of --type/--size/--messages: N messages of TYPE with SIZE-byte payloads; repeatable, "
          + "the loads run one after the other on one connection (each with ackids 1..N and its own final Ping), "
          + "e.g. a warm-up load before the measured one; --json then lists each under \"loads\"")
  List<String> loads;

  @Option(names = "--json", description = "print one JSON object instead of text")
  boolean json;

  /** How long a signal waits for a graceful close before it aborts the client. */
  static final int CLOSE_GRACE_SECONDS = 2;
  /** How long a signal waits for the run to end before what is known is printed. */
  static final int SIGNAL_GRACE_SECONDS = 10;

  private final AtomicBoolean reported = new AtomicBoolean();

  @Override
  public Integer call() throws Exception {
    SocketAddress remote;
    BlightType t;
    SendMode m;
    List<BlightLoad.Spec> specs;
    try {
      remote = BlightAddress.parse(connect);
      t = BlightType.parse(type);
      m = SendMode.parse(mode);
      specs = specs(t);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    BlightSettings settings;
    try {
      settings = BlightSettings.defaults().withMode(m).withLimits(BlightLimits.defaults()
          .withStallTimeout(Duration.ofMillis(Math.max(1, (long) (stallTimeout * 1000)))));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    for (BlightLoad.Spec l : specs) {
      DemoCommand.checkSize(spec, l.size(), settings);
    }
    // Our own hook ends the run on SIGTERM/SIGINT; Pekko's would stop the actors under it.
    ActorSystem<Void> system = ZeroWire.startStandalone("blight-client",
        ConfigFactory.parseString("pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off"));
    AtomicReference<ActorRef<ClientCommand>> client = new AtomicReference<>();
    AtomicBoolean signalled = new AtomicBoolean();
    CountDownLatch ended = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      signalled.set(true);
      ActorRef<ClientCommand> c = client.get();
      if (c != null) {
        c.tell(new CloseClient(null));
      }
      try {
        if (!ended.await(CLOSE_GRACE_SECONDS, TimeUnit.SECONDS) && c != null) {
          c.tell(new AbortClient("stopped by SIGTERM or SIGINT", null));
        }
        if (!ended.await(SIGNAL_GRACE_SECONDS - CLOSE_GRACE_SECONDS, TimeUnit.SECONDS)) {
          report(failure("terminated by a signal; the run did not end within " + SIGNAL_GRACE_SECONDS + " s"), t);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "blight-client-signal");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      Map<String, Object> j;
      int code;
      try {
        BlightRuns.ClientRun run = BlightRuns.run(system, remote, settings, specs,
            l -> ProgressBar.forTerminal(!json, l.messages(), l.size()), c -> {
              client.set(c);
              if (signalled.get()) { // the signal came before the client had a ref: the hook could not close it
                c.tell(new CloseClient(null));
              }
            });
        List<String> errors = new ArrayList<>();
        run.loads().forEach(r -> errors.addAll(r.errors()));
        if (run.loads().size() < specs.size()) {
          errors.add("ran " + run.loads().size() + " of " + specs.size() + " loads: a load that fails ends the run");
        }
        if (signalled.get()) {
          errors.add(0, "interrupted by SIGTERM or SIGINT");
        }
        boolean ok = run.ok() && errors.isEmpty();
        j = run.json();
        j.put("ok", ok);
        j.put("how", run.how());
        j.put("errors", errors);
        code = ok ? 0 : 1;
        if (!json) {
          errors.forEach(e -> System.err.println("blight-client: " + e));
          print(run, t);
        }
      } catch (IllegalStateException | TimeoutException e) {
        j = failure(e.getMessage());
        code = 1;
      }
      report(j, t);
      return code;
    } finally {
      ended.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down: the hook is running and sees `ended`
      }
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS); // a shutdown waits, bounded
    }
  }

  /**
   * What to send: the one load --type/--size/--messages describe, or the --load list (then those
   * three must not be given: which of the two would count is not obvious).
   */
  private List<BlightLoad.Spec> specs(BlightType t) {
    Duration acks = Duration.ofMillis((long) (ackTimeout * 1000));
    if (loads == null || loads.isEmpty()) {
      return List.of(new BlightLoad.Spec(t, messages, size, window, acks, 0, null));
    }
    var parsed = spec.commandLine().getParseResult();
    for (String single : List.of("--type", "--size", "--messages")) {
      if (parsed != null && parsed.hasMatchedOption(single)) {
        throw new IllegalArgumentException("--load replaces " + single + ": give one or the other");
      }
    }
    List<BlightLoad.Spec> out = new ArrayList<>();
    for (String l : loads) {
      String[] parts = l.split(":");
      if (parts.length != 3) {
        throw new IllegalArgumentException("--load wants TYPE:SIZE:N, e.g. info:2:2000, not '" + l + "'");
      }
      try {
        out.add(new BlightLoad.Spec(BlightType.parse(parts[0]), Long.parseLong(parts[2].trim()),
            Integer.parseInt(parts[1].trim()), window, acks, 0, null));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--load wants TYPE:SIZE:N with numbers for SIZE and N, not '" + l + "'");
      }
    }
    return out;
  }

  /** The JSON of a run that produced no result: zero counters and the reason. */
  private static Map<String, Object> failure(String reason) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("messages", 0);
    m.put("ok", false);
    m.put("how", reason);
    m.put("errors", List.of(reason));
    return m;
  }

  /** Prints the one report: JSON with --json, else errors on stderr (text was printed already). */
  private void report(Map<String, Object> j, BlightType t) {
    if (!reported.compareAndSet(false, true)) {
      return;
    }
    if (json) {
      System.out.println(JsonOutput.line(j));
      System.out.flush();
    } else if (Boolean.FALSE.equals(j.get("ok")) && !j.containsKey("msgs_per_s")) {
      System.err.println("blight-client: " + j.get("how"));
    }
  }

  private void print(BlightRuns.ClientRun run, BlightType t) {
    if (run.loads().size() > 1 || loads != null && !loads.isEmpty()) {
      for (int i = 0; i < run.loads().size(); i++) {
        Map<String, Object> l = BlightRuns.ClientRun.loadJson(run.loads().get(i));
        System.out.printf(Locale.ROOT, "blight-client: load %d (%s): %s%n", i + 1, loads.get(i), l);
      }
      System.out.printf(Locale.ROOT, "  acks                %d%n", run.stats().acksReceived());
      return;
    }
    var r = run.result();
    System.out.printf(Locale.ROOT, "blight-client: %d %s messages of %d bytes to %s in %.3f s%n", r.messages(),
        t.wireName(), size, connect, r.seconds());
    System.out.printf(Locale.ROOT, "  throughput          %.1f msgs/s, %.1f MB/s%n", run.messagesPerSecond(),
        run.megabytesPerSecond());
    System.out.printf(Locale.ROOT, "  checksum            %s%n", r.checksum());
    System.out.printf(Locale.ROOT, "  acks                %d%n", run.stats().acksReceived());
    System.out.printf(Locale.ROOT, "  zero-copy sends     %d%n", run.stats().socket().zeroCopySends());
    System.out.printf(Locale.ROOT, "  COPIED completions  %d%n", run.stats().socket().copiedCompletions());
    System.out.printf(Locale.ROOT, "  released / failed   %d / %d%n", r.released(), r.failed());
    System.out.printf(Locale.ROOT, "  final ping acked    %s%n", r.finalPingAcked() ? "yes" : "no");
  }
}
