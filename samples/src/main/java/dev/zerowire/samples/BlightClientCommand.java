package dev.zerowire.samples;

import dev.zerowire.actors.SendMode;
import dev.zerowire.actors.ZeroWire;
import dev.zerowire.blight.BlightAddress;
import dev.zerowire.blight.BlightLoad;
import dev.zerowire.blight.BlightSettings;
import dev.zerowire.blight.BlightType;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Locale;
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

  @Option(names = "--json", description = "print one JSON object instead of text")
  boolean json;

  @Override
  public Integer call() throws Exception {
    SocketAddress remote;
    BlightType t;
    SendMode m;
    BlightLoad.Spec load;
    try {
      remote = BlightAddress.parse(connect);
      t = BlightType.parse(type);
      m = SendMode.parse(mode);
      load = new BlightLoad.Spec(t, messages, size, window, Duration.ofMillis((long) (ackTimeout * 1000)), 0,
          null);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    BlightSettings settings = BlightSettings.defaults().withMode(m);
    DemoCommand.checkSize(spec, size, settings);
    ActorSystem<Void> system = ZeroWire.startStandalone("blight-client");
    try {
      BlightRuns.ClientRun run;
      try {
        run = BlightRuns.run(system, remote, settings, load,
            ProgressBar.forTerminal(!json, messages, size));
      } catch (IllegalStateException e) {
        System.err.println("blight-client: " + e.getMessage());
        return 1;
      }
      run.result().errors().forEach(e -> System.err.println("blight-client: " + e));
      if (json) {
        System.out.println(JsonOutput.line(run.json()));
      } else {
        print(run, t);
      }
      return run.ok() ? 0 : 1;
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get();
    }
  }

  private void print(BlightRuns.ClientRun run, BlightType t) {
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
