package dev.zerowire.bench;

import dev.zerowire.blight.BlightClient;
import dev.zerowire.blight.BlightEncoder;
import dev.zerowire.blight.BlightHeader;
import dev.zerowire.blight.BlightLimits;
import dev.zerowire.blight.BlightLoad;
import dev.zerowire.blight.BlightProtocol;
import dev.zerowire.blight.BlightProtocol.AckReceived;
import dev.zerowire.blight.BlightProtocol.ClientCommand;
import dev.zerowire.blight.BlightProtocol.ClientConnected;
import dev.zerowire.blight.BlightProtocol.ClientReply;
import dev.zerowire.blight.BlightProtocol.CloseClient;
import dev.zerowire.blight.BlightProtocol.Request;
import dev.zerowire.blight.BlightProtocol.ServerBound;
import dev.zerowire.blight.BlightProtocol.ServerCommand;
import dev.zerowire.blight.BlightProtocol.StopServer;
import dev.zerowire.blight.BlightServer;
import dev.zerowire.blight.BlightSettings;
import dev.zerowire.blight.BlightType;
import dev.zerowire.blight.BlightWire;
import dev.zerowire.blight.PayloadBudget;
import dev.zerowire.nativeio.NativeBuffer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Scenario {@code hostile} (issue 9): one zerowire blight server over loopback TCP; a good client
 * runs small messages (36-byte Repaints, pipelined) and round trips (Info, one at a time) first
 * alone, then while N stalled clients (a header claiming 60 MiB, then 3 bytes, then nothing) and
 * M clients that write Pings and never read their acks are connected. Reports the good client's
 * msg/s and p99 in both phases, the share of msg/s it kept, and the process's peak heap and RSS
 * during the hostile phase beside the payload budget. Targets: at least 80 % of the msg/s kept,
 * peak heap under budget + 64 MiB. The server runs in this process, so heap and RSS are the
 * server's plus the good client's and the bench's own.
 */
final class HostileScenario implements Scenario {
  static final String NAME = "hostile";
  static final long BUDGET = 64L << 20;
  static final Duration WAIT = Duration.ofSeconds(60);

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String title() {
    return "good blight client beside stalled-claim and non-reading clients: msg/s and p99 kept, peak heap vs budget";
  }

  @Override
  public void run(BenchContext ctx) throws Exception {
    boolean quick = ctx.plan().quick();
    int stalled = quick ? 100 : 150;
    int nonReading = quick ? 4 : 8;
    long smallMessages = quick ? 120_000 : 300_000;
    int roundTrips = quick ? 1000 : 3000;
    int reps = Math.max(ctx.plan().reps(), 5); // short reps on a shared machine: more of them
    ActorSystem<Void> system = ctx.system();
    BlightSettings settings = BlightSettings.defaults().withLimits(BlightLimits.defaults()
        .withPayloadBudget(BUDGET).withMaxConnections(stalled + nonReading + 16));
    PayloadBudget budget = new PayloadBudget(BUDGET);
    CompletableFuture<ServerBound> bound = new CompletableFuture<>();
    ActorRef<ServerCommand> server = system.systemActorOf(BlightServer.create(
        List.of(new InetSocketAddress("127.0.0.1", 0)), settings, null, completing(system, bound, ServerBound.class), budget),
        "bench-hostile-server", dev.zerowire.actors.ZeroWire.dispatcher());
    SocketAddress address = bound.get(WAIT.toSeconds(), TimeUnit.SECONDS).addresses().get(0);
    String hostile = stalled + " stalled + " + nonReading + " non-reading";
    ctx.progress().note("hostile: server limits: " + settings.limits().describeServer());
    try {
      // JIT: discarded. Alone is measured first and hostile second (the hostile clients cannot be
      // switched on and off per rep cheaply), so an unfinished warm-up would favour hostile.
      measure(ctx, system, address, 3, smallMessages, roundTrips, "warm-up");
      double[][] alone = measure(ctx, system, address, reps, smallMessages, roundTrips, "alone");
      long heapBefore = liveHeap();
      List<SocketChannel> peers = new ArrayList<>();
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> writers = new ArrayList<>();
      double[][] beside;
      long liveDuring;
      MemorySampler memory = new MemorySampler();
      try {
        openStalled(address, stalled, peers);
        openNonReading(address, nonReading, peers, writers, stop);
        Thread.sleep(2000); // let the non-reading clients fill what they can before measuring
        beside = measure(ctx, system, address, reps, smallMessages, roundTrips, hostile);
        liveDuring = liveHeap(); // the hostile clients still connected and held
      } finally {
        memory.close();
        stop.set(true);
        for (Thread w : writers) {
          w.join(5000);
        }
        for (SocketChannel c : peers) {
          c.close();
        }
      }
      report(ctx, alone, beside, hostile, memory, heapBefore, liveDuring, budget);
    } finally {
      CompletableFuture<BlightProtocol.ServerStopped> stopped = new CompletableFuture<>();
      server.tell(new StopServer(completing(system, stopped, BlightProtocol.ServerStopped.class)));
      stopped.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
  }

  /** {msg/s per rep, p99 µs per rep}. */
  private static double[][] measure(BenchContext ctx, ActorSystem<Void> system, SocketAddress address, int reps,
                                    long smallMessages, int roundTrips, String param) throws Exception {
    double[] msgs = new double[reps];
    double[] p99 = new double[reps];
    CompletableFuture<ClientConnected> connected = new CompletableFuture<>();
    ActorRef<ClientCommand> client = system.systemActorOf(BlightClient.connect(address, BlightSettings.defaults(),
        completing(system, connected, ClientConnected.class)), "bench-hostile-client-" + System.nanoTime(),
        dev.zerowire.actors.ZeroWire.dispatcher());
    connected.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    try {
      for (int rep = 0; rep < reps; rep++) {
        CompletableFuture<BlightLoad.Result> done = new CompletableFuture<>();
        system.systemActorOf(BlightLoad.create(client, BlightLoad.Spec.of(BlightType.REPAINT, smallMessages, 36)
            .withWindow(256), completing(system, done, BlightLoad.Result.class)), "bench-hostile-load-" + System.nanoTime(),
            ctx.driverProps());
        BlightLoad.Result r = done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        if (!r.ok()) {
          throw new IllegalStateException("the good client's small messages failed: " + r.errors());
        }
        msgs[rep] = r.messages() / r.seconds();
        CompletableFuture<LongSamples> rtts = new CompletableFuture<>();
        system.systemActorOf(RoundTrips.create(client, roundTrips, rtts), "bench-hostile-rtt-" + System.nanoTime(),
            ctx.driverProps());
        p99[rep] = rtts.get(WAIT.toSeconds(), TimeUnit.SECONDS).percentile(99) / 1e3;
        ctx.progress().step(NAME, param, "zerowire-blight", String.format(Locale.ROOT,
            "rep %d/%d: %.0f msg/s, round-trip p99 %.0f us", rep + 1, reps, msgs[rep], p99[rep]));
      }
    } finally {
      client.tell(new CloseClient(null));
    }
    return new double[][] {msgs, p99};
  }

  private static void openStalled(SocketAddress address, int n, List<SocketChannel> peers) throws IOException {
    byte[] claim = ByteBuffer.allocate(BlightHeader.SIZE + 3).order(BlightWire.ORDER)
        .put(BlightEncoder.encodeHeader(BlightType.REPAINT, 1, 60 << 20)).put(new byte[3]).array();
    for (int i = 0; i < n; i++) {
      SocketChannel c = SocketChannel.open(address);
      c.write(ByteBuffer.wrap(claim));
      peers.add(c);
    }
  }

  /** Each writes blocks of 5,000 valid Pings whenever TCP lets it, and never reads. */
  private static void openNonReading(SocketAddress address, int n, List<SocketChannel> peers, List<Thread> writers,
                                     AtomicBoolean stop) throws IOException {
    ByteBuffer block = ByteBuffer.allocate(5000 * BlightHeader.SIZE).order(BlightWire.ORDER);
    for (int i = 1; i <= 5000; i++) {
      BlightEncoder.putHeader(block, BlightType.PING, i, 0);
    }
    for (int i = 0; i < n; i++) {
      SocketChannel c = SocketChannel.open(address);
      c.configureBlocking(false);
      peers.add(c);
      ByteBuffer mine = block.duplicate();
      writers.add(Thread.ofPlatform().daemon(true).name("bench-hostile-writer-" + i).start(() -> {
        try {
          while (!stop.get()) {
            if (!mine.hasRemaining()) {
              mine.clear();
            }
            if (c.write(mine) == 0) {
              Thread.sleep(10);
            }
          }
        } catch (IOException | InterruptedException e) {
          // the server closed it (reply-stall timeout) or the bench did: done
        }
      }));
    }
  }

  private static void report(BenchContext ctx, double[][] alone, double[][] beside, String hostile,
                             MemorySampler memory, long heapBefore, long liveDuring, PayloadBudget budget) {
    int reps = alone[0].length;
    Report r = ctx.report();
    r.add(row("small-messages, alone", Units.MSG_S, alone[0], reps));
    double kept = Stats.median(beside[0]) / Stats.median(alone[0]) * 100;
    r.add(new Row(NAME, "zerowire-blight", "small-messages, " + hostile, Units.MSG_S, Stats.median(beside[0]),
        Stats.min(beside[0]), Stats.max(beside[0]), null, null, null, reps,
        Map.of("percent_of_alone", kept, "target_met", kept >= 80 ? 1.0 : 0.0)));
    r.add(row("round-trip, alone", Units.US_P99, alone[1], reps));
    r.add(row("round-trip, " + hostile, Units.US_P99, beside[1], reps));
    double peakHeapMib = memory.peakHeapBytes() / (double) (1 << 20);
    double limitMib = (BUDGET >> 20) + 64;
    r.add(new Row(NAME, "zerowire-blight", hostile, Units.MIB_HEAP_PEAK, peakHeapMib, peakHeapMib, peakHeapMib,
        null, null, null, 1, Map.of("budget_MiB", (double) (BUDGET >> 20), "target_MiB", limitMib,
            "target_met", peakHeapMib < limitMib ? 1.0 : 0.0, "payload_budget_peak_MiB",
            budget.peak() / (double) (1 << 20), "live_heap_alone_MiB", heapBefore / (double) (1 << 20),
            "live_heap_hostile_MiB", liveDuring / (double) (1 << 20))));
    double rssMib = memory.peakRssBytes() / (double) (1 << 20);
    r.add(new Row(NAME, "zerowire-blight", hostile, Units.MIB_RSS_PEAK, rssMib, rssMib, rssMib, null, null, null, 1,
        Map.of()));
    ctx.progress().note(String.format(Locale.ROOT,
        "hostile: good client kept %.0f %% of its msg/s (target >= 80 %%: %s); round-trip p99 %.0f -> %.0f us; "
            + "peak heap in use %.0f MiB (garbage included; target < budget %d + 64 MiB: %s), live heap after GC "
            + "%.0f MiB alone -> %.0f MiB with the hostile clients held, peak RSS %.0f MiB, payload budget peak %.1f MiB",
        kept, kept >= 80 ? "met" : "MISSED", Stats.median(alone[1]), Stats.median(beside[1]), peakHeapMib,
        BUDGET >> 20, peakHeapMib < limitMib ? "met" : "MISSED", heapBefore / (double) (1 << 20),
        liveDuring / (double) (1 << 20), rssMib, budget.peak() / (double) (1 << 20)));
  }

  /** Heap in use after a full GC: what is alive. */
  private static long liveHeap() {
    System.gc();
    return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static Row row(String param, String unit, double[] v, int reps) {
    return Row.of(NAME, "zerowire-blight", param, unit, Stats.median(v), Stats.min(v), Stats.max(v), reps);
  }

  // ---------------------------------------------------------------- small actors for the futures

  private static final java.util.concurrent.atomic.AtomicInteger FUTURES = new java.util.concurrent.atomic.AtomicInteger();

  /**
   * A ref that completes {@code f} with the first message of class {@code wanted}, then stops
   * (later messages go to dead letters, which the bench does not log).
   */
  @SuppressWarnings("unchecked")
  private static <E> ActorRef<E> completing(ActorSystem<?> system, CompletableFuture<?> f, Class<?> wanted) {
    Behavior<Object> b = Behaviors.receive(Object.class).onAnyMessage(m -> {
      if (!wanted.isInstance(m)) {
        return Behaviors.same();
      }
      ((CompletableFuture<Object>) f).complete(m);
      return Behaviors.stopped();
    }).build();
    return (ActorRef<E>) (ActorRef<?>) system.systemActorOf(b, "bench-hostile-future-" + FUTURES.incrementAndGet(),
        org.apache.pekko.actor.typed.Props.empty());
  }

  /**
   * Info requests one at a time (send, wait for the Ack and the outcome, send the next), each
   * round trip (acceptance to Ack) recorded.
   */
  static final class RoundTrips {
    static Behavior<ClientReply> create(ActorRef<ClientCommand> client, int n, CompletableFuture<LongSamples> done) {
      return Behaviors.setup(ctx -> {
        NativeBuffer payload = NativeBuffer.allocate(2);
        payload.put(0, new byte[] {1, 0}, 0, 2);
        LongSamples samples = new LongSamples(n);
        int[] state = {0, 0}; // requests sent, replies (outcome + ack) still owed for the current one
        Runnable next = () -> {
          state[0]++;
          state[1] = 2;
          client.tell(new Request(BlightType.INFO, BlightProtocol.AUTO_ACKID, payload, true, null, state[0],
              ctx.getSelf()));
        };
        next.run();
        return Behaviors.receive(ClientReply.class)
            .onMessage(ClientReply.class, m -> {
              if (m instanceof AckReceived a) {
                samples.add(a.roundTrip().toNanos());
              } else if (!(m instanceof BlightProtocol.Sent)) { // SendFailed, Rejected, AckTimedOut, AckLost
                done.completeExceptionally(new IllegalStateException("round trip failed: " + m));
                return Behaviors.stopped();
              }
              if (--state[1] == 0) {
                if (state[0] == n) {
                  payload.release();
                  done.complete(samples);
                  return Behaviors.stopped();
                }
                next.run();
              }
              return Behaviors.same();
            })
            .build();
      });
    }
  }
}
