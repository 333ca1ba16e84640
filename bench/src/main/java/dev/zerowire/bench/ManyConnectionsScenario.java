package dev.zerowire.bench;

import com.typesafe.config.ConfigFactory;
import dev.zerowire.actors.SendMode;
import dev.zerowire.actors.SocketOptions;
import dev.zerowire.actors.SocketProtocol;
import dev.zerowire.actors.SocketStats;
import dev.zerowire.actors.ZeroWire;
import dev.zerowire.nativeio.NativeBuffer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.jfr.consumer.RecordingStream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;

/**
 * Scenario 5, {@code many-connections}: 1,000 concurrent loopback TCP connections, each a zerowire
 * socket actor streaming 64 KiB payloads (two in flight per socket) to one {@link
 * SelectorReceiver}. Aggregate MB/s; p99 of "completion read off the error queue → Released told"
 * and of "last byte written to the kernel → Released told" as zerowire itself times them (JFR
 * {@code zerowire.SlowRelease} with the threshold at 0, so every zero-copy release is an event);
 * peak heap in use and RSS; and every payload released.
 *
 * <p>Each repetition opens its thousand connections, streams, checks that every Send was
 * Released and the receiver counted exactly the released bytes, and closes them all, so memory
 * peaks belong to one set of connections. All payloads are slices of one read-only 64 KiB buffer:
 * the numbers are about the runtime, not about the bench's own buffers. The scenario runs in an
 * actor system of its own (the shared one is stopped first) so its heap is the scenario's.
 * {@link FloorMany} ({@code floor-copy}) streams the same payloads over as many connections from
 * one thread without actors: the zerowire rows' tax is their CPU s/GiB over its CPU s/GiB ({@link Tax}).
 */
final class ManyConnectionsScenario implements Scenario {
  static final String NAME = "many-connections";
  static final int PAYLOAD = 64 * 1024;
  static final int IN_FLIGHT_PER_SOCKET = 2;
  static final Duration OPEN_TIMEOUT = Duration.ofSeconds(60);

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String title() {
    return "1,000 zerowire socket actors streaming 64 KiB payloads to one selector-based receiver";
  }

  @Override
  public void run(BenchContext ctx) throws Exception {
    ctx.stopSharedSystem();
    ActorSystem<Void> system = BenchContext.startSystem("zerowire-many",
        ConfigFactory.parseString("zerowire.slow-release-threshold = 0s"));
    NativeBuffer payload = NativeBuffer.allocate(PAYLOAD);
    boolean payloadPinned = false;
    try (SelectorReceiver rx = new SelectorReceiver(2)) {
      java.nio.ByteBuffer view = payload.byteBuffer();
      for (int i = 0; i < PAYLOAD; i++) {
        view.put(i, StreamContender.patternByte(i));
      }
      List<Contender> cs = new ArrayList<>();
      if (ctx.plan().wants(FloorMany.IMPL)) {
        cs.add(new FloorMany(ctx.plan().connections(), payload, rx));
      }
      List<Many> zw = new ArrayList<>();
      for (SendMode m : List.of(SendMode.ZEROCOPY, SendMode.ADAPTIVE)) {
        if (!ctx.plan().wants("zerowire-" + m.cliName())) {
          continue;
        }
        zw.add(new Many(m, ctx.plan().connections(), payload, rx, system, ctx.progress(), ctx.driverProps()));
      }
      cs.addAll(zw);
      String param = ctx.plan().connections() + " conns x 64 KiB";
      Interleaved.run(NAME, param, cs, ctx.plan(), ctx.progress(), ctx.report());
      payloadPinned = zw.stream().anyMatch(c -> c.withheld > 0);
    } finally {
      BenchContext.terminate(system);
      if (!payloadPinned) {
        payload.release();
      }
    }
  }

  /** One send mode over N fresh connections per repetition. */
  static final class Many implements Contender {
    private static final AtomicInteger SEQ = new AtomicInteger();

    private final SendMode mode;
    private final int connections;
    private final NativeBuffer payload;
    private final SelectorReceiver rx;
    private final ActorSystem<Void> system;
    private final Progress progress;
    private final Props driverProps;
    private long withheld;

    Many(SendMode mode, int connections, NativeBuffer payload, SelectorReceiver rx, ActorSystem<Void> system,
        Progress progress, Props driverProps) {
      this.driverProps = driverProps;
      this.mode = mode;
      this.connections = connections;
      this.payload = payload;
      this.rx = rx;
      this.system = system;
      this.progress = progress;
    }

    @Override
    public String impl() {
      return "zerowire-" + mode.cliName();
    }

    @Override
    public Sample measure(Duration d) throws Exception {
      System.gc(); // the heap peak should be this repetition's, not garbage left by earlier ones
      SocketOptions options = ZeroWire.get(system).defaultOptions().withMode(mode);
      InetSocketAddress address = rx.address();
      long accepted0 = rx.accepted();
      long closed0 = rx.closed();
      List<CompletionStage<SocketProtocol.ConnectReply>> replies = new ArrayList<>();
      for (int i = 0; i < connections; i++) {
        replies.add(ZeroWireSockets.connectAsync(system, address, options));
      }
      List<ActorRef<SocketProtocol.Command>> sockets = new ArrayList<>();
      Exception openFailure = null;
      for (CompletionStage<SocketProtocol.ConnectReply> r : replies) {
        try {
          sockets.add(ZeroWireSockets.connected(r));
        } catch (Exception e) {
          openFailure = openFailure == null ? e : openFailure;
        }
      }
      ActorRef<Object> driver = null;
      try {
        if (openFailure != null) {
          throw new IllegalStateException("only " + sockets.size() + " of " + connections + " connections opened: "
              + openFailure.getMessage(), openFailure);
        }
        SelectorReceiver.await(rx::accepted, accepted0 + connections, OPEN_TIMEOUT, "connections accepted");
        List<StreamDriver.Lane> lanes = new ArrayList<>();
        for (ActorRef<SocketProtocol.Command> s : sockets) {
          List<NativeBuffer> slices = new ArrayList<>();
          for (int k = 0; k < IN_FLIGHT_PER_SOCKET; k++) {
            slices.add(payload.slice(0, PAYLOAD));
          }
          lanes.add(new StreamDriver.Lane(s, slices));
        }
        driver = system.systemActorOf(StreamDriver.create(lanes), "bench-many-driver-" + SEQ.incrementAndGet(),
            driverProps);

        LongSamples writeToRelease = new LongSamples(1 << 16);
        LongSamples completionToRelease = new LongSamples(1 << 16);
        long bytes0 = rx.bytes();
        StreamDriver.Result r;
        CpuMeter.Reading cpu;
        long elapsed;
        MemorySampler memory = new MemorySampler();
        try (RecordingStream jfr = new RecordingStream()) {
          jfr.enable("zerowire.SlowRelease");
          jfr.onEvent("zerowire.SlowRelease", e -> {
            synchronized (writeToRelease) {
              writeToRelease.add(e.getLong("nanos"));
              completionToRelease.add(e.getLong("completionToReleaseNanos"));
            }
          });
          jfr.startAsync();
          CpuMeter.Mark mark = CpuMeter.ofProcessMinus(rx.threads());
          long t0 = System.nanoTime();
          CompletableFuture<StreamDriver.Result> done = new CompletableFuture<>();
          driver.tell(new StreamDriver.Run(t0 + d.toNanos(), true, done));
          r = done.get(d.toMillis() + 60_000, TimeUnit.MILLISECONDS);
          SelectorReceiver.await(rx::bytes, bytes0 + r.bytes(), StreamContender.DRAIN_TIMEOUT, "bytes at the receiver");
          elapsed = System.nanoTime() - t0;
          cpu = mark.stop();
          jfr.stop(); // delivers every recorded event before returning
        } finally {
          memory.close();
        }
        if (rx.bytes() - bytes0 != r.bytes()) {
          throw new IllegalStateException("byte count mismatch: released " + r.bytes() + ", received " + (rx.bytes() - bytes0));
        }
        if (r.failed() > 0) {
          throw new IllegalStateException(r.failed() + " sends failed (" + r.withheld() + " withheld); first: " + r.firstFailure());
        }
        Sample s = new Sample().metric(Units.MB_S, r.bytes() / 1e6 / (elapsed / 1e9)).cpu(cpu, r.bytes(), r.messages());
        synchronized (writeToRelease) {
          if (writeToRelease.count() > 0) {
            s.metric(Units.US_P99_COMPLETION_TO_RELEASE, completionToRelease.percentile(99) / 1e3);
            s.extra("completion_to_release_p50_us", completionToRelease.percentile(50) / 1e3);
            s.metric(Units.US_P99_WRITE_TO_RELEASE, writeToRelease.percentile(99) / 1e3);
            s.extra("write_to_release_p50_us", writeToRelease.percentile(50) / 1e3);
          }
          s.extra("write_to_release_samples", writeToRelease.count());
        }
        s.metric(Units.MIB_HEAP_PEAK, memory.peakHeapBytes() / (double) (1 << 20));
        s.metric(Units.MIB_RSS_PEAK, memory.peakRssBytes() / (double) (1 << 20));
        s.extra("payloads", r.messages());
        s.extra("unreleased", r.failed());
        s.extra("send_to_release_p99_us", r.sendToRelease().percentile(99) / 1e3);
        return s;
      } finally {
        if (driver != null) {
          driver.tell(StreamDriver.Stop.INSTANCE);
        }
        closeAll(sockets);
        SelectorReceiver.await(rx::closed, closed0 + sockets.size(), OPEN_TIMEOUT, "connections closed at the receiver");
      }
    }

    private void closeAll(List<ActorRef<SocketProtocol.Command>> sockets) throws Exception {
      List<CompletionStage<SocketProtocol.Closed>> closing = new ArrayList<>();
      for (ActorRef<SocketProtocol.Command> s : sockets) {
        closing.add(ZeroWireSockets.closeAsync(system, s));
      }
      SocketStats sum = SocketStats.ZERO;
      for (CompletionStage<SocketProtocol.Closed> c : closing) {
        sum = sum.plus(ZeroWireSockets.get(c, ZeroWireSockets.CLOSE_TIMEOUT).stats());
      }
      withheld += sum.withheld();
      if (sum.withheld() > 0 || sum.unknownIds() > 0) {
        progress.note(impl() + ": at close " + sum.withheld() + " sends withheld, " + sum.unknownIds() + " unknown completion ids");
      }
    }
  }
}
