package dev.zerowire.samples;

import dev.zerowire.actors.SendMode;
import dev.zerowire.actors.ZeroWire;
import dev.zerowire.blight.BlightAddress;
import dev.zerowire.blight.BlightLoad;
import dev.zerowire.blight.BlightProtocol.ClientFinished;
import dev.zerowire.blight.BlightProtocol.ConnectionFault;
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
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
 * {@code ./zerowire demo}: the project's main job in one process. One embedded actor system runs a
 * blight server and a blight client; the client streams Repaint-framed TestPattern payloads over
 * TCP loopback (zero copy applies) or an AF_UNIX socket (blight's own transport: the copy path),
 * and both ends checksum every payload byte.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Stream blight Repaint messages from a zerowire client to a zerowire server in one actor system.",
      "Exit code 0 when the client's and the server's checksums match and nothing failed."})
public final class DemoCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--transport", defaultValue = "tcp", paramLabel = "T",
      description = "tcp (loopback) or unix (blight's own transport) (default: ${DEFAULT-VALUE})")
  String transport;

  @Option(names = "--messages", defaultValue = "20000", paramLabel = "N", description = "default: ${DEFAULT-VALUE}")
  long messages;

  @Option(names = "--size", defaultValue = "65536", paramLabel = "BYTES",
      description = "payload bytes per message (default: ${DEFAULT-VALUE})")
  int size;

  @Option(names = "--mode", defaultValue = "adaptive", paramLabel = "MODE",
      description = "adaptive|zerocopy|copy (default: ${DEFAULT-VALUE})")
  String mode;

  @Option(names = "--window", defaultValue = "128", paramLabel = "N",
      description = "payload buffers in flight (default: ${DEFAULT-VALUE})")
  int window;

  @Option(names = "--json", description = "print one JSON object instead of the table")
  boolean json;

  @Override
  public Integer call() throws Exception {
    SendMode m;
    BlightLoad.Spec load;
    if (!transport.equals("tcp") && !transport.equals("unix")) {
      throw new ParameterException(spec.commandLine(), "--transport must be tcp or unix, not '" + transport + "'");
    }
    try {
      m = SendMode.parse(mode);
      load = BlightLoad.Spec.of(BlightType.REPAINT, messages, size).withWindow(window);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    checkSize(spec, size, BlightSettings.defaults());
    Path tmp = null;
    SocketAddress listen;
    if (transport.equals("unix")) {
      tmp = Files.createTempDirectory("zerowire-demo-");
      listen = UnixDomainSocketAddress.of(tmp.resolve("blight.sock"));
    } else {
      listen = new InetSocketAddress("127.0.0.1", 0);
    }
    BlightSettings settings = BlightSettings.defaults().withMode(m);
    // The demo shows the machinery: adaptive sockets learn from COPIED completions that loopback
    // copies anyway, instead of being told so up front (the default, assume-local-copies = on).
    ActorSystem<Void> system = ZeroWire.startStandalone("zerowire-demo",
        com.typesafe.config.ConfigFactory.parseString("zerowire.socket.adaptive.assume-local-copies = off"));
    try {
      ActorInbox<ServerEvent> events = ActorInbox.spawn(system, "blight-server-events", ServerEvent.class);
      ActorRef<ServerCommand> server = system.systemActorOf(
          BlightServer.create(List.of(listen), BlightSettings.defaults(), null, events.ref()),
          "blight-server", dev.zerowire.actors.ZeroWire.dispatcher());
      ServerEvent first = events.await(ServerEvent.class, Duration.ofSeconds(30));
      if (!(first instanceof ServerBound bound)) {
        System.err.println("demo: the server could not listen: "
            + (first instanceof ServerBindFailed f ? f.reason() : first));
        return 2;
      }
      SocketAddress address = bound.addresses().get(0);

      BlightRuns.ClientRun run;
      try {
        run = BlightRuns.run(system, address, settings, load, ProgressBar.forTerminal(!json, messages, size));
      } catch (IllegalStateException e) {
        System.err.println("demo: " + e.getMessage());
        return 1;
      }
      List<String> errors = new ArrayList<>(run.result().errors());
      ConnectionSummary served = events.await(ClientFinished.class, Duration.ofSeconds(60), e -> {
        if (e instanceof ConnectionFault f) {
          errors.add(f.message());
        }
      }).summary();
      server.tell(new StopServer(null));
      errors.addAll(events.await(ServerStopped.class, Duration.ofSeconds(60)).summary().errors());
      errors.forEach(e -> System.err.println("demo: " + e));

      boolean match = run.result().checksum().equals(served.checksum());
      if (json) {
        Map<String, Object> j = run.json();
        j.put("server_checksum", served.checksum());
        j.put("mode_switches", run.stats().socket().modeSwitches());
        j.put("transport", transport);
        System.out.println(JsonOutput.line(j));
      } else {
        table(run, served, address, m, match);
      }
      return match && run.ok() && errors.isEmpty() ? 0 : 1;
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS); // a shutdown waits, bounded
      if (tmp != null) {
        Files.deleteIfExists(tmp.resolve("blight.sock"));
        Files.deleteIfExists(tmp);
      }
    }
  }

  private void table(BlightRuns.ClientRun run, ConnectionSummary served, SocketAddress address, SendMode m,
             boolean match) {
    var r = run.result();
    var s = run.stats().socket();
    System.out.printf(Locale.ROOT, "zerowire demo: blight over %s (%s), mode %s%n",
        transport.equals("tcp") ? "TCP loopback" : "an AF_UNIX socket", BlightAddress.format(address),
        m.cliName());
    row("messages", String.format(Locale.ROOT, "%d x %d bytes (%.1f MB) in %.3f s", r.messages(), size,
        r.bytes() / 1e6, r.seconds()));
    row("MB/s", String.format(Locale.ROOT, "%.1f  (%.0f msgs/s)", run.megabytesPerSecond(),
        run.messagesPerSecond()));
    row("", "bounded by the checksum, not the socket: both ends run FNV-1a 64, a multiply");
    row("", "per byte, one byte at a time, over every payload; './zerowire stream' checks");
    row("", "every byte with a vectorized compare and shows what the socket does");
    row("zero-copy sends", Long.toString(s.zeroCopySends()));
    row("COPIED completions", Long.toString(s.copiedCompletions()));
    row("mode switches", Long.toString(s.modeSwitches()));
    row("acks", Long.toString(run.stats().acksReceived()));
    row("released", Long.toString(r.released()));
    row("failed", Long.toString(r.failed()));
    row("checksums", (match ? "match: " : "DIFFER: ") + "client " + r.checksum() + ", server " + served.checksum());
  }

  /**
   * Refuses a payload size the blight client would refuse message by message, before anything
   * connects (a usage error: exit 2).
   */
  static void checkSize(CommandSpec spec, int size, BlightSettings settings) {
    if (size > settings.maxMessageSize()) {
      throw new ParameterException(spec.commandLine(), "--size must be at most " + settings.maxMessageSize()
          + " (the blight maximum message size), not " + size);
    }
  }

  private static void row(String name, String value) {
    System.out.printf(Locale.ROOT, "  %-20s %s%n", name, value);
  }
}
