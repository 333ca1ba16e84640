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
import dev.zerowire.blight.BlightServer;
import dev.zerowire.blight.BlightSettings;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
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
 * (acks everything but Ack, Info with a surface info, List with surface ids, a Ping every second),
 * until K connections have come and gone; then a summary.
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

  @Option(names = "--json", description = "print the summary as one JSON object")
  boolean json;

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
          .withPingInterval(Duration.ofMillis(Math.max(1, (long) (pingInterval * 1000))));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    ActorSystem<Void> system = ZeroWire.startStandalone("blight-server");
    try {
      ActorInbox<ServerEvent> events = ActorInbox.spawn(system, "blight-server-events", ServerEvent.class);
      ActorRef<ServerCommand> server = system.systemActorOf(
          BlightServer.create(addresses, settings, null, events.ref()), "blight-server",
          dev.zerowire.actors.ZeroWire.dispatcher());
      ServerEvent first = events.await(ServerEvent.class, Duration.ofSeconds(30));
      if (!(first instanceof ServerBound bound)) {
        if (first instanceof ServerBindFailed f) {
          System.err.println("blight-server: " + f.reason());
        }
        events.await(ServerStopped.class, Duration.ofSeconds(30));
        return 2;
      }
      System.err.println("blight-server: listening on " + bound.addresses().stream()
          .map(BlightAddress::format).collect(Collectors.joining(", ")));
      int finished = 0;
      while (finished < connections) {
        ServerEvent e = events.await(ServerEvent.class, Duration.ofDays(365));
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
      server.tell(new StopServer(null));
      ServerSummary s = events.await(ServerStopped.class, Duration.ofSeconds(60)).summary();
      if (json) {
        System.out.println(JsonOutput.line(json(s)));
      } else {
        print(s);
      }
      return s.errors().isEmpty() ? 0 : 1;
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get();
    }
  }

  static Map<String, Object> json(ServerSummary s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("messages", s.messages());
    m.put("bytes", s.bytes());
    m.put("checksum", s.checksum());
    m.put("types", s.types());
    m.put("acks_sent", s.acksSent());
    m.put("errors", s.errors());
    m.put("connections", s.connections());
    return m;
  }

  private static void print(ServerSummary s) {
    System.out.println("blight-server: " + s.connections() + " connection(s) served");
    System.out.println("  messages   " + s.messages());
    System.out.println("  bytes      " + s.bytes());
    System.out.println("  checksum   " + s.checksum());
    System.out.println("  types      " + s.types().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(" ")));
    System.out.println("  acks sent  " + s.acksSent());
    System.out.println("  pings      " + s.pingsSent() + " sent, " + s.pingAcks() + " answered");
    System.out.println("  errors     " + (s.errors().isEmpty() ? "none" : s.errors().size()));
    s.errors().forEach(e -> System.out.println("    " + e));
  }
}
