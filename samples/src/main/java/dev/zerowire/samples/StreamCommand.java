package dev.zerowire.samples;

import dev.zerowire.actors.SendMode;
import dev.zerowire.actors.SocketOptions;
import dev.zerowire.actors.SocketProtocol;
import dev.zerowire.actors.SocketStats;
import dev.zerowire.actors.ZeroWire;
import dev.zerowire.samples.stream.StreamReceiver;
import dev.zerowire.samples.stream.StreamSender;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./zerowire stream}: one embedded actor system, a sender actor streaming payloads through
 * a socket actor to a receiving socket actor in the same process, which checks every byte.
 */
@Command(name = "stream", mixinStandardHelpOptions = true,
    description = "Stream payloads through a zerowire socket to a receiver in the same process, checking every byte.")
public final class StreamCommand implements Callable<Integer> {
  @Option(names = "--transport", defaultValue = "tcp", description = "tcp, tcp6 or unix (default: ${DEFAULT-VALUE})")
  String transport;

  @Option(names = "--messages", defaultValue = "20000", description = "payloads to send (default: ${DEFAULT-VALUE})")
  long messages;

  @Option(names = "--size", defaultValue = "65536", description = "bytes per payload (default: ${DEFAULT-VALUE})")
  int size;

  @Option(names = "--mode", defaultValue = "adaptive", description = "adaptive, zerocopy or copy (default: ${DEFAULT-VALUE})")
  String mode;

  @Option(names = "--window", defaultValue = "64", description = "payload buffers in flight (default: ${DEFAULT-VALUE})")
  int window;

  @Option(names = "--peer-stall-ms", defaultValue = "0",
      description = "the receiver stops reading for this long after the first megabyte (default: ${DEFAULT-VALUE})")
  long peerStallMs;

  @Option(names = "--close-after", defaultValue = "0",
      description = "the sender closes right after this many sends, outcomes still to come (default: 0, after all)")
  long closeAfter;

  @Option(names = "--json", description = "print one JSON object instead of the summary")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (messages < 1 || size < 1 || window < 1) {
      throw new IllegalArgumentException("--messages, --size and --window must be at least 1");
    }
    if (peerStallMs < 0 || closeAfter < 0) {
      throw new IllegalArgumentException("--peer-stall-ms and --close-after must not be negative");
    }
    SendMode sendMode = SendMode.parse(mode);
    ActorSystem<Void> system = ZeroWire.startStandalone("zerowire-stream");
    Path tmp = null;
    try {
      ZeroWire zw = ZeroWire.get(system);
      SocketOptions options = zw.defaultOptions().withMode(sendMode);
      SocketAddress bindTo = switch (transport) {
        case "tcp" -> new InetSocketAddress("127.0.0.1", 0);
        case "tcp6" -> new InetSocketAddress("::1", 0);
        case "unix" -> {
          tmp = Files.createTempDirectory("zerowire-stream");
          yield UnixDomainSocketAddress.of(tmp.resolve("stream.sock"));
        }
        default -> throw new IllegalArgumentException("--transport must be tcp, tcp6 or unix, not '" + transport + "'");
      };
      CompletableFuture<StreamReceiver.Result> received = new CompletableFuture<>();
      CompletableFuture<StreamSender.Result> sent = new CompletableFuture<>();
      ProgressBar progress = ProgressBar.forTerminal(!json, messages, size);

      // The receiving side: a listener whose one accepted socket is registered to a receiver.
      SocketProtocol.ListenerEvent bound = AskPattern.<SocketProtocol.ManagerCommand, SocketProtocol.ListenerEvent>ask(
          zw.manager(), replyTo -> new SocketProtocol.Bind(bindTo, options, 1, system.systemActorOf(
              Behaviors.<SocketProtocol.ListenerEvent>receive((ctx, ev) -> {
                if (ev instanceof SocketProtocol.Accepted a) {
                  a.socket().tell(new SocketProtocol.Register(
                      ctx.spawnAnonymous(StreamReceiver.create(received, Duration.ofMillis(peerStallMs)), ZeroWire.dispatcher())));
                } else if (ev instanceof SocketProtocol.Bound || ev instanceof SocketProtocol.BindFailed) {
                  replyTo.tell(ev);
                }
                return Behaviors.same();
              }), "stream-listener-events", org.apache.pekko.actor.typed.Props.empty())),
          Duration.ofSeconds(10), system.scheduler()).toCompletableFuture().get(10, TimeUnit.SECONDS);
      if (!(bound instanceof SocketProtocol.Bound b)) {
        throw new IllegalStateException("could not listen: " + bound);
      }
      SocketProtocol.ConnectReply reply = AskPattern.<SocketProtocol.ManagerCommand, SocketProtocol.ConnectReply>ask(
          zw.manager(), replyTo -> new SocketProtocol.Connect(b.local(), options, replyTo),
          Duration.ofSeconds(10), system.scheduler()).toCompletableFuture().get(10, TimeUnit.SECONDS);
      if (!(reply instanceof SocketProtocol.Connected c)) {
        throw new IllegalStateException("could not connect: " + reply);
      }

      long start = System.nanoTime();
      system.systemActorOf(StreamSender.create(c.socket(), messages, size, window, closeAfter, progress::update, sent),
          "stream-sender", ZeroWire.dispatcher()); // on zerowire's dispatcher: no hand-off between pools
      StreamSender.Result s = sent.get(1, TimeUnit.HOURS);
      StreamReceiver.Result r = received.get(1, TimeUnit.MINUTES);
      double seconds = (System.nanoTime() - start) / 1e9;
      progress.finish();
      b.listener().tell(SocketProtocol.Unbind.INSTANCE);

      SocketStats st = s.closed().stats();
      long bytes = s.sent() * size;
      long closedWithinMs = s.closeNanos() / 1_000_000;
      boolean accounted = s.released() + s.failed() + s.refused() == s.sent(); // one outcome per Send
      boolean ok = accounted && r.corruptBytes() == 0
          && (closeAfter > 0 || (s.released() == messages && r.bytes() == bytes));
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("transport", transport);
        o.put("mode", sendMode.cliName());
        o.put("messages", s.sent());
        o.put("bytes", r.bytes());
        o.put("seconds", round(seconds));
        o.put("mb_per_s", round(r.bytes() / 1e6 / seconds));
        o.put("zerocopy_sends", st.zeroCopySends());
        o.put("copied_completions", st.copiedCompletions());
        o.put("enobufs_fallbacks", st.enobufsFallbacks());
        o.put("mode_switches", st.modeSwitches());
        o.put("released", s.released());
        o.put("failed", s.failed() + s.refused());
        o.put("corrupt_bytes", r.corruptBytes());
        o.put("peak_inflight_bytes", st.peakInflightBytes());
        o.put("closed", s.closed().how());
        o.put("closed_within_ms", closedWithinMs);
        System.out.println(JsonOutput.line(o));
      } else {
        System.out.printf("%-22s %s over %s%n", "stream", sendMode.cliName(), transport);
        System.out.printf("%-22s %,d x %,d bytes%n", "messages", s.sent(), size);
        System.out.printf("%-22s %,d in %.2f s = %.1f MB/s%n", "bytes received", r.bytes(), seconds, r.bytes() / 1e6 / seconds);
        System.out.printf("%-22s %,d of %,d sendmsg calls%n", "zero-copy sends", st.zeroCopySends(), st.sendCalls());
        System.out.printf("%-22s %,d%n", "COPIED completions", st.copiedCompletions());
        System.out.printf("%-22s %,d%n", "ENOBUFS fallbacks", st.enobufsFallbacks());
        System.out.printf("%-22s %,d%n", "mode switches", st.modeSwitches());
        System.out.printf("%-22s %,d released, %,d failed, %,d refused%n", "outcomes", s.released(), s.failed(), s.refused());
        System.out.printf("%-22s %,d%n", "corrupt bytes", r.corruptBytes());
        System.out.printf("%-22s %,d%n", "peak bytes in flight", st.peakInflightBytes());
        System.out.printf("%-22s %s, %,d ms after Close%n", "closed", s.closed().how(), closedWithinMs);
        System.out.println(!ok ? "FAILED"
            : closeAfter > 0 ? "OK: every Send had exactly one outcome and every byte that arrived was intact"
            : "OK: every byte arrived intact and every buffer came back");
      }
      return ok ? 0 : 1;
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      if (tmp != null) {
        Files.deleteIfExists(tmp.resolve("stream.sock"));
        Files.deleteIfExists(tmp);
      }
    }
  }

  private static double round(double d) {
    return Math.round(d * 1000) / 1000.0;
  }
}
