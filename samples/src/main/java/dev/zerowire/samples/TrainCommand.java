package dev.zerowire.samples;

import dev.zerowire.actors.ZeroWire;
import dev.zerowire.blight.BlightAddress;
import dev.zerowire.blight.BlightLoad;
import dev.zerowire.blight.BlightProtocol.ClientFinished;
import dev.zerowire.blight.BlightProtocol.ConnectionSummary;
import dev.zerowire.blight.BlightProtocol.ServerBindFailed;
import dev.zerowire.blight.BlightProtocol.ServerBound;
import dev.zerowire.blight.BlightProtocol.ServerCommand;
import dev.zerowire.blight.BlightProtocol.ServerEvent;
import dev.zerowire.blight.BlightProtocol.ServerStopped;
import dev.zerowire.blight.BlightProtocol.StopServer;
import dev.zerowire.blight.BlightServer;
import dev.zerowire.blight.BlightSettings;
import dev.zerowire.blight.BlightType;
import com.typesafe.config.ConfigFactory;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ./zerowire train} (hidden): the training workload the launcher runs once per build to
 * record the JDK's ahead-of-time cache (JEP 483/514/515, JDK 25) or a dynamic CDS archive (JDK
 * 19-24). It runs what a CLI run runs, in the same order: picocli, the actor system's start, a
 * blight server (as blight-server and demo start it) listening on an AF_UNIX socket and on TCP
 * loopback, and over each transport a fresh blight client (as blight-client and demo run it) per
 * phase: Info round trips, 64 KiB Repaints, 36-byte Repaints. Every phase must end with the
 * client's checksum equal to the server's; the run is bounded by --seconds (phases not started
 * by then are skipped and listed: a recording of fewer phases is still a valid one).
 *
 * <p>With --json it prints one JSON object, one entry per phase: messages, the load's rate, and
 * {@code setup_ms}, the time the phase spent outside its load (connect, close, the server's
 * summary): in a warm process, what a new connection costs.
 */
@Command(name = "train", hidden = true, mixinStandardHelpOptions = true,
    description = {"The launcher's training run for the JDK's AOT cache / CDS archive: an in-process blight "
        + "server and clients over Unix and TCP exchanging Info round trips and Repaints.",
      "Exit code 0 when every phase that ran had matching checksums and nothing failed."})
public final class TrainCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--messages", defaultValue = "2000", paramLabel = "N",
      description = "messages per phase (default: ${DEFAULT-VALUE})")
  long messages;

  @Option(names = "--seconds", defaultValue = "60", paramLabel = "S",
      description = "no phase starts after this many seconds (default: ${DEFAULT-VALUE})")
  double seconds;

  @Option(names = "--json", description = "print one JSON object")
  boolean json;

  /** One phase: a message type and a payload size, sent by a fresh client. */
  record Phase(BlightType type, int size) {
  }

  /** Info as blight-client sends it by default (4096 bytes), then the demo's and the small Repaints. */
  static final List<Phase> PHASES = List.of(new Phase(BlightType.INFO, 4096), new Phase(BlightType.REPAINT, 65536),
      new Phase(BlightType.REPAINT, 36));

  @Override
  public Integer call() throws Exception {
    if (messages < 1) {
      throw new ParameterException(spec.commandLine(), "--messages must be at least 1");
    }
    if (!(seconds > 0)) {
      throw new ParameterException(spec.commandLine(), "--seconds must be positive");
    }
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    long start = System.nanoTime();
    Path tmp = Files.createTempDirectory("zerowire-train-");
    Path sock = tmp.resolve("blight.sock");
    List<Map<String, Object>> runs = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    // As blight-client and blight-server start theirs.
    ActorSystem<Void> system = ZeroWire.startStandalone("zerowire-train",
        ConfigFactory.parseString("pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off"));
    try {
      ActorInbox<ServerEvent> events = ActorInbox.spawn(system, "blight-server-events", ServerEvent.class);
      ActorRef<ServerCommand> server = system.systemActorOf(
          BlightServer.create(List.of(UnixDomainSocketAddress.of(sock), new InetSocketAddress("127.0.0.1", 0)),
              BlightSettings.defaults(), null, events.ref()),
          "blight-server", ZeroWire.dispatcher());
      ServerEvent first = events.await(ServerEvent.class, Duration.ofSeconds(30));
      if (!(first instanceof ServerBound bound)) {
        throw new IllegalStateException("the server could not listen: "
            + (first instanceof ServerBindFailed f ? f.reason() : first));
      }
      // Unix first, then TCP, whatever order the listeners bound in.
      List<SocketAddress> addresses = bound.addresses().stream()
          .sorted(Comparator.comparing(a -> a instanceof UnixDomainSocketAddress ? 0 : 1)).toList();
      for (SocketAddress address : addresses) {
        for (Phase phase : PHASES) {
          if (System.nanoTime() > deadline) {
            skipped.add(phase.type().cliName() + " " + phase.size() + " B over " + BlightAddress.format(address));
            continue;
          }
          runs.add(phase(system, events, address, phase, errors));
        }
      }
      server.tell(new StopServer(null));
      errors.addAll(events.await(ServerStopped.class, Duration.ofSeconds(60)).summary().errors());
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS); // a shutdown waits, bounded
      Files.deleteIfExists(sock);
      Files.deleteIfExists(tmp);
    }
    boolean ok = errors.isEmpty() && runs.stream().allMatch(r -> Boolean.TRUE.equals(r.get("ok")));
    Map<String, Object> j = new LinkedHashMap<>();
    j.put("ok", ok);
    j.put("seconds", BlightRuns.round((System.nanoTime() - start) / 1e9, 3));
    j.put("runs", runs);
    j.put("skipped", skipped);
    j.put("errors", errors);
    if (json) {
      System.out.println(JsonOutput.line(j));
    } else {
      for (Map<String, Object> r : runs) {
        System.out.printf(Locale.ROOT, "train: %-5s %-7s %6d B x %d: %.0f msgs/s, setup %.1f ms, %s%n",
            r.get("transport"), r.get("type"), r.get("size"), r.get("messages"), r.get("msgs_per_s"),
            r.get("setup_ms"), Boolean.TRUE.equals(r.get("ok")) ? "checksums match" : "FAILED");
      }
      skipped.forEach(p -> System.err.println("train: skipped " + p + ": --seconds " + seconds + " passed"));
      errors.forEach(e -> System.err.println("train: " + e));
    }
    System.out.flush();
    return ok ? 0 : 1;
  }

  /** A fresh client sends one phase's messages; the server's summary of that connection is checked. */
  private Map<String, Object> phase(ActorSystem<?> system, ActorInbox<ServerEvent> events, SocketAddress address,
                                    Phase phase, List<String> errors) throws Exception {
    long t0 = System.nanoTime();
    BlightRuns.ClientRun run = BlightRuns.run(system, address, BlightSettings.defaults(),
        BlightLoad.Spec.of(phase.type(), messages, phase.size()), ProgressBar.forTerminal(false, messages,
            phase.size()));
    ConnectionSummary served = events.await(ClientFinished.class, Duration.ofSeconds(60)).summary();
    double wall = (System.nanoTime() - t0) / 1e9;
    boolean match = run.result().checksum().equals(served.checksum());
    String what = phase.type().cliName() + " " + phase.size() + " B over " + BlightAddress.format(address);
    run.result().errors().forEach(e -> errors.add(what + ": " + e));
    served.errors().forEach(e -> errors.add(what + " (server): " + e));
    if (!match) {
      errors.add(what + ": client checksum " + run.result().checksum() + ", server " + served.checksum());
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("transport", address instanceof UnixDomainSocketAddress ? "unix" : "tcp");
    r.put("type", phase.type().cliName());
    r.put("size", phase.size());
    r.put("messages", run.result().messages());
    r.put("server_messages", served.types().getOrDefault(phase.type().cliName(), 0L));
    r.put("msgs_per_s", BlightRuns.round(run.messagesPerSecond(), 1));
    r.put("setup_ms", BlightRuns.round((wall - run.result().seconds()) * 1000, 1));
    r.put("ok", match && run.ok());
    return r;
  }
}
