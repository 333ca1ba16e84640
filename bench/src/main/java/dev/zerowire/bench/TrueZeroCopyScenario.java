package dev.zerowire.bench;

import dev.zerowire.actors.SendMode;
import dev.zerowire.actors.SocketOptions;
import dev.zerowire.actors.SocketProtocol;
import dev.zerowire.actors.SocketStats;
import dev.zerowire.actors.ZeroWire;
import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.NativeSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Scenario 4, {@code true-zerocopy}: where zero copy can actually win. Inside a private network
 * namespace ({@link NetNs}, root only) zerowire sends 64,000-byte UDP datagrams to an address on
 * an {@code ifb} device, which drops them without touching the data, so MSG_ZEROCOPY completions
 * come back without COPIED. zerowire copy vs zerocopy: MB/s, process CPU s/GiB (no receiver in
 * the process), and the share of zero-copy completions that came back COPIED (should be ~0).
 * {@link FloorUdp} adds {@code floor-copy} and {@code floor-zerocopy}, the same syscalls from one
 * thread without actors: the zerowire rows' tax here is their CPU per GiB over the floor's of the
 * same mode ({@link Tax}).
 *
 * <p>The sockets are made inside the namespace on a setns'd thread, connected, then handed to
 * zerowire with {@code Adopt}. The namespace is deleted afterwards, whatever happens.
 */
final class TrueZeroCopyScenario implements Scenario {
  static final String NAME = "true-zerocopy";
  /** "64 KB" datagrams: 64,000 bytes + 28 of headers fit the 65,535-byte MTU unfragmented. */
  static final int DATAGRAM = 64_000;
  static final int SLOTS = 64;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String title() {
    return "64 KB UDP datagrams to an ifb device in a private network namespace: zerowire copy vs zerocopy";
  }

  @Override
  public void run(BenchContext ctx) throws Exception {
    String why = NetNs.unavailable();
    if (why != null) {
      ctx.report().skip(new Skipped(NAME, why));
      return;
    }
    String nsName = "zwbench-" + ProcessHandle.current().pid();
    NetNs ns;
    try {
      ns = NetNs.create(nsName);
    } catch (Exception e) {
      ctx.report().skip(new Skipped(NAME, "cannot set up the network namespace: " + e.getMessage()));
      return;
    }
    try (ns) {
      ctx.progress().note("network namespace " + nsName + " with " + NetNs.DEVICE + " (ifb, MTU 65535), "
          + NetNs.LOCAL + " -> " + NetNs.REMOTE + ":9");
      List<Contender> cs = new ArrayList<>();
      for (boolean zc : List.of(false, true)) {
        FloorUdp f = new FloorUdp(zc, ns);
        openOrSkip(ctx, nsName, f, f::open, cs);
      }
      for (SendMode m : List.of(SendMode.COPY, SendMode.ZEROCOPY)) {
        Udp c = new Udp(m, ns, ctx.system(), ctx.driverProps());
        openOrSkip(ctx, nsName, c, c::open, cs);
      }
      Interleaved.run(NAME, "64000 B UDP", cs, ctx.plan(), ctx.progress(), ctx.report());
    }
  }

  /** One zerowire UDP socket made inside the namespace, driven by a {@link StreamDriver}. */
  /** How a contender of this scenario opens its socket in the namespace. */
  private interface Opening {
    void open() throws Exception;
  }

  /**
   * Adds {@code c} to {@code cs} once {@code opening} succeeded; a contender not asked for (--impl)
   * is closed unopened, one that cannot open is closed and reported as skipped.
   */
  private static void openOrSkip(BenchContext ctx, String nsName, Contender c, Opening opening, List<Contender> cs)
      throws Exception {
    if (!ctx.plan().wants(c.impl())) {
      c.close();
      return;
    }
    try {
      opening.open();
      cs.add(c);
    } catch (Exception e) {
      ctx.report().failure(new Skipped(NAME, c.impl() + ": could not open the UDP socket in " + nsName + ": "
          + Interleaved.describe(e)));
      c.close();
    }
  }

  static final class Udp implements Contender {
    private static final AtomicInteger SEQ = new AtomicInteger();

    private final SendMode mode;
    private final NetNs ns;
    private final ActorSystem<Void> system;
    private final List<NativeBuffer> buffers = new ArrayList<>();
    private ActorRef<SocketProtocol.Command> socket;
    private final Props driverProps;
    private ActorRef<Object> driver;

    Udp(SendMode mode, NetNs ns, ActorSystem<Void> system, Props driverProps) {
      this.mode = mode;
      this.ns = ns;
      this.system = system;
      this.driverProps = driverProps;
    }

    @Override
    public String impl() {
      return "zerowire-" + mode.cliName();
    }

    void open() throws Exception {
      NativeSocket s = ns.udpSocket(new InetSocketAddress(NetNs.LOCAL, 0), new InetSocketAddress(NetNs.REMOTE, 9));
      SocketOptions options = ZeroWire.get(system).defaultOptions().withMode(mode);
      socket = ZeroWireSockets.adopt(system, s, options);
      for (int i = 0; i < SLOTS; i++) {
        NativeBuffer b = NativeBuffer.allocate(DATAGRAM);
        java.nio.ByteBuffer view = b.byteBuffer();
        for (int k = 0; k < DATAGRAM; k++) {
          view.put(k, StreamContender.patternByte(k));
        }
        buffers.add(b);
      }
      driver = system.systemActorOf(StreamDriver.create(List.of(new StreamDriver.Lane(socket, buffers))),
          "bench-udp-driver-" + SEQ.incrementAndGet(), driverProps);
    }

    @Override
    public Sample measure(Duration d) throws Exception {
      SocketStats before = stats();
      long packets0 = ns.devicePackets();
      long switches0 = ContextSwitches.total();
      CpuMeter.Mark mark = CpuMeter.ofProcess();
      long t0 = System.nanoTime();
      CompletableFuture<StreamDriver.Result> done = new CompletableFuture<>();
      driver.tell(new StreamDriver.Run(t0 + d.toNanos(), false, done));
      StreamDriver.Result r = done.get(d.toMillis() + 30_000, TimeUnit.MILLISECONDS);
      long elapsed = System.nanoTime() - t0;
      CpuMeter.Reading cpu = mark.stop();
      long switches = ContextSwitches.total() - switches0;
      if (r.failed() > 0) {
        throw new IllegalStateException(r.failed() + " datagrams failed; first: " + r.firstFailure());
      }
      SocketStats after = stats();
      long packets = ns.devicePackets() - packets0;
      long zcIds = after.zeroCopySends() - before.zeroCopySends();
      Sample s = new Sample().metric(Units.MB_S, r.bytes() / 1e6 / (elapsed / 1e9)).cpu(cpu, r.bytes(), r.messages());
      if (mode == SendMode.ZEROCOPY) {
        s.metric(Units.COPIED_PERCENT, zcIds == 0 ? Double.NaN
            : 100.0 * (after.copiedCompletions() - before.copiedCompletions()) / zcIds);
        s.extra("zc_call_share", zcIds / (double) Math.max(1, after.sendCalls() - before.sendCalls()));
      }
      s.extra("enobufs_fallbacks", after.enobufsFallbacks() - before.enobufsFallbacks());
      s.extra("reached_device_share", r.messages() == 0 ? Double.NaN : packets / (double) r.messages());
      s.extra("ctx_switches_per_msg", switches0 < 0 || r.messages() == 0 ? Double.NaN : switches / (double) r.messages());
      return s;
    }

    private SocketStats stats() throws Exception {
      return AskPattern.<SocketProtocol.Command, SocketStats>ask(socket, SocketProtocol.GetStats::new,
          BenchContext.ASK_TIMEOUT, system.scheduler()).toCompletableFuture().get();
    }

    @Override
    public void close() throws Exception {
      try {
        if (socket != null) {
          SocketProtocol.Closed c = ZeroWireSockets.close(system, socket);
          if (c.stats().withheld() > 0) {
            return; // never free what the kernel may still read
          }
        }
        buffers.forEach(NativeBuffer::release);
      } finally {
        if (driver != null) {
          driver.tell(StreamDriver.Stop.INSTANCE);
        }
      }
    }
  }
}
