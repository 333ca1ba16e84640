package dev.zerowire.samples;

import dev.zerowire.actors.ZeroWire;
import dev.zerowire.blight.BlightAddress;
import dev.zerowire.blight.BlightProtocol.ClientAccepted;
import dev.zerowire.blight.BlightProtocol.ClientFinished;
import dev.zerowire.blight.BlightProtocol.ServerBindFailed;
import dev.zerowire.blight.BlightProtocol.ServerBound;
import dev.zerowire.blight.BlightProtocol.ServerCommand;
import dev.zerowire.blight.BlightProtocol.ServerEvent;
import dev.zerowire.blight.BlightProtocol.ServerStopped;
import dev.zerowire.blight.BlightProtocol.ServerSummary;
import dev.zerowire.blight.BlightProtocol.StopServer;
import dev.zerowire.blight.AckPolicy;
import dev.zerowire.blight.BlightLimits;
import dev.zerowire.blight.BlightServer;
import dev.zerowire.blight.BlightSettings;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import com.typesafe.config.ConfigFactory;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ./zerowire blight-server}: a blight server that answers as Oxide's display server does
 * (by --ack-policy; Info with a surface info, List with surface ids, a Ping every second), until K
 * connections have come and gone; then a summary. It prints its limits at start, and on
 * SIGTERM/SIGINT it stops serving, prints the summary of what it served and one line saying why
 * it stopped (issue 9, break 5).
 */
@Command(name = "blight-server", mixinStandardHelpOptions = true,
    description = {"Serve blight clients until K connections have come and gone, then print a summary.",
      "With several connections, checksum is FNV-1a over the per-connection checksums in connection order.",
      "Exit code 0 when no connection had an error."})
public final class BlightServerCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--listen", required = true, paramLabel = "ADDRESS",
      description = "tcp:HOST:PORT or unix:PATH (the path must not exist; it is created 0600); repeatable")
  List<String> listen;

  @Option(names = "--connections", defaultValue = "1", paramLabel = "K",
      description = "connections to serve before stopping (default: ${DEFAULT-VALUE})")
  int connections;

  @Option(names = "--ping-interval", defaultValue = "1", paramLabel = "SECONDS",
      description = "how often each client is pinged (default: ${DEFAULT-VALUE})")
  double pingInterval;

  @Option(names = "--max-message-size", defaultValue = "67108864", paramLabel = "BYTES",
      description = "largest payload accepted (default: ${DEFAULT-VALUE})")
  long maxMessageSize;

  @Option(names = "--max-connections", defaultValue = "256", paramLabel = "N",
      description = "connections served at once; more are closed on arrival (default: ${DEFAULT-VALUE})")
  int maxConnections;

  @Option(names = "--ack-policy", defaultValue = "all", paramLabel = "POLICY",
      description = "all | oxide-epaper | oxide-desktop: which messages are acked, and when (default: ${DEFAULT-VALUE})")
  String ackPolicy;

  @Option(names = "--epaper-update-ms", defaultValue = "0", paramLabel = "MS",
      description = "with oxide-epaper: how long a simulated screen update takes before its ack (default: ${DEFAULT-VALUE})")
  long epaperUpdateMillis;

  @Option(names = "--payload-budget", defaultValue = "268435456", paramLabel = "BYTES",
      description = "bytes of partly received payloads held at once, over all connections (default: ${DEFAULT-VALUE})")
  long payloadBudget;

  @Option(names = "--payload-timeout", defaultValue = "30", paramLabel = "SECONDS",
      description = "a message that started arriving must be complete within this (default: ${DEFAULT-VALUE})")
  double payloadTimeout;

  @Option(names = "--reply-stall-timeout", defaultValue = "30", paramLabel = "SECONDS",
      description = "close a client that leaves its replies unread this long (default: ${DEFAULT-VALUE})")
  double replyStallTimeout;

  @Option(names = "--json", description = "print the summary as one JSON object")
  boolean json;

  /** How long a signal waits for the connections to close before the summary is printed anyway. */
  static final int SIGNAL_GRACE_SECONDS = 10;

  private final AtomicBoolean reported = new AtomicBoolean();

  @Override
  public Integer call() throws Exception {
    List<SocketAddress> addresses = new ArrayList<>();
    BlightSettings settings;
    try {
      for (String l : listen) {
        addresses.add(BlightAddress.parse(l));
      }
      if (connections < 1) {
        throw new IllegalArgumentException("--connections must be at least 1");
      }
      settings = BlightSettings.defaults().withMaxMessageSize(maxMessageSize)
          .withPingInterval(Duration.ofMillis(Math.max(1, (long) (pingInterval * 1000))))
          .withLimits(BlightLimits.defaults().withMaxConnections(maxConnections)
              .withAckPolicy(AckPolicy.parse(ackPolicy)).withEpaperUpdateTime(Duration.ofMillis(epaperUpdateMillis))
              .withPayloadBudget(payloadBudget).withPayloadTimeout(seconds(payloadTimeout))
              .withReplyStallTimeout(seconds(replyStallTimeout)));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    // Our own hook stops the server on SIGTERM/SIGINT; Pekko's would stop the actors under it.
    ActorSystem<Void> system = ZeroWire.startStandalone("blight-server",
        ConfigFactory.parseString("pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off"));
    AtomicReference<ActorRef<ServerCommand>> serverRef = new AtomicReference<>();
    AtomicBoolean signalled = new AtomicBoolean();
    CountDownLatch ended = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      signalled.set(true);
      ActorRef<ServerCommand> s = serverRef.get();
      if (s != null) {
        s.tell(new StopServer(null));
      }
      try {
        if (!ended.await(SIGNAL_GRACE_SECONDS, TimeUnit.SECONDS)) {
          System.err.println("blight-server: stopped by a signal; the connections did not close within "
              + SIGNAL_GRACE_SECONDS + " s, so no summary");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "blight-server-signal");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      ActorInbox<ServerEvent> events = ActorInbox.spawn(system, "blight-server-events", ServerEvent.class);
      ActorRef<ServerCommand> server = system.systemActorOf(
          BlightServer.create(addresses, settings, null, events.ref()), "blight-server",
          dev.zerowire.actors.ZeroWire.dispatcher());
      serverRef.set(server);
      if (signalled.get()) { // the signal came before the server had a ref: the hook could not stop it
        server.tell(new StopServer(null));
      }
      ServerEvent first = events.await(ServerEvent.class, Duration.ofSeconds(30));
      ServerSummary stoppedEarly = null;
      if (first instanceof ServerStopped st) { // a signal came while it was binding: ServerBound never comes
        stoppedEarly = st.summary();
      } else if (first instanceof ServerBound bound) {
        System.err.println("blight-server: listening on " + bound.addresses().stream()
            .map(BlightAddress::format).collect(Collectors.joining(", ")));
      } else {
        if (first instanceof ServerBindFailed f) {
          System.err.println("blight-server: " + f.reason());
        }
        events.await(ServerStopped.class, Duration.ofSeconds(30));
        return 2;
      }
      System.err.println("blight-server: limits: " + settings.limits().describeServer() + ", max message size "
          + settings.maxMessageSize());
      int finished = 0;
      while (stoppedEarly == null && finished < connections) {
        ServerEvent e = events.await(ServerEvent.class, Duration.ofDays(365));
        if (e instanceof ServerStopped st) { // a signal stopped it
          stoppedEarly = st.summary();
          break;
        }
        if (e instanceof ClientAccepted a && !json) {
          System.err.println("blight-server: " + a.connection() + " connected");
        } else if (e instanceof ClientFinished f) {
          finished++;
          if (!json) {
            System.err.println("blight-server: " + f.summary().connection() + " finished ("
                + f.summary().how() + ")");
          }
        }
      }
      ServerSummary s = stoppedEarly;
      if (s == null) {
        server.tell(new StopServer(null));
        s = events.await(ServerStopped.class, Duration.ofSeconds(60)).summary();
      }
      report(s);
      if (signalled.get()) {
        System.err.println("blight-server: stopped by SIGTERM or SIGINT after " + s.connections()
            + " connection(s), " + s.refused() + " refused");
        return 1;
      }
      return s.errorCount() == 0 ? 0 : 1;
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

  private static Duration seconds(double s) {
    return Duration.ofMillis(Math.max(1, (long) (s * 1000)));
  }

  private void report(ServerSummary s) {
    if (!reported.compareAndSet(false, true)) {
      return;
    }
    if (json) {
      System.out.println(JsonOutput.line(json(s)));
    } else {
      print(s);
    }
    System.out.flush();
  }

  static Map<String, Object> json(ServerSummary s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("messages", s.messages());
    m.put("bytes", s.bytes());
    m.put("checksum", s.checksum());
    m.put("types", s.types());
    m.put("requests", s.requests());
    m.put("request_types", s.requestTypes());
    m.put("acks_sent", s.acksSent());
    m.put("errors", s.errors());
    m.put("error_count", s.errorCount());
    m.put("connections", s.connections());
    m.put("refused", s.refused());
    return m;
  }

  private static void print(ServerSummary s) {
    System.out.println("blight-server: " + s.connections() + " connection(s) served");
    System.out.println("  messages   " + s.messages());
    System.out.println("  bytes      " + s.bytes());
    System.out.println("  checksum   " + s.checksum());
    System.out.println("  types      " + s.types().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(" ")));
    System.out.println("  requests   " + s.requests() + " (" + s.requestTypes().entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" ")) + "; Acks and Pings apart)");
    System.out.println("  acks sent  " + s.acksSent());
    System.out.println("  refused    " + s.refused() + " connection(s) over max-connections");
    System.out.println("  pings      " + s.pingsSent() + " sent, " + s.pingAcks() + " answered");
    System.out.println("  errors     " + (s.errorCount() == 0 ? "none" : s.errorCount()
        + (s.errorCount() > s.errors().size() ? " (the newest " + s.errors().size() + " below)" : "")));
    s.errors().forEach(e -> System.out.println("    " + e));
  }
}
