package dev.zerowire.bench;

import dev.zerowire.actors.SendMode;
import dev.zerowire.actors.SocketOptions;
import dev.zerowire.actors.SocketProtocol;
import dev.zerowire.actors.SocketStats;
import dev.zerowire.actors.ZeroWire;
import dev.zerowire.nativeio.NativeBuffer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * {@code zerowire-copy}, {@code zerowire-zerocopy}, {@code zerowire-adaptive}: one zerowire socket
 * actor (made with {@code Connect}) driven by a {@link StreamDriver} that keeps a window of Sends
 * in flight and resends each on its Released. The socket's own counters give the extras: share of
 * sendmsg calls made with MSG_ZEROCOPY, share of zero-copy ids that came back COPIED, adaptive
 * mode switches, Sends per sendmsg.
 *
 * <p>Every Send carries the same one page-aligned payload buffer, as every other contender here
 * writes one buffer over and over (Netty {@code retainedDuplicate()}s of one buffer, java.nio and
 * the floor one buffer) and as many-connections does: the kernel copies from the same memory for
 * all of them. A buffer in several Sends at once is the socket's until the last of their outcomes;
 * nothing writes it, so that is safe. Until 2026-12-03 each slot had a buffer of its own, 8 MiB of
 * distinct memory that only zerowire copied from, which cost it about a quarter of its rate at 4
 * and 64 KiB (README, Performance, "Seventh pass").
 */
final class ZeroWireStream extends StreamContender {
  private static final AtomicInteger SEQ = new AtomicInteger();

  private final SendMode mode;
  private final int window;
  private final ActorSystem<Void> system;
  private NativeBuffer payloadBuffer;
  private ActorRef<SocketProtocol.Command> socket;
  private ActorRef<Object> driver;
  private final Props driverProps;
  private SocketStats before = SocketStats.ZERO;

  ZeroWireStream(SendMode mode, int payload, int window, StreamReceiver receiver, ActorSystem<Void> system,
      Props driverProps) {
    super("zerowire-" + mode.cliName(), payload, receiver);
    this.mode = mode;
    this.window = window;
    this.system = system;
    this.driverProps = driverProps;
  }

  /** Buffers kept in flight for a window of {@code windowBytes}: at least 2, at most 4096. */
  static int slots(int windowBytes, int payload) {
    return Math.max(2, Math.min(4096, windowBytes / payload));
  }

  @Override
  protected void connect(InetSocketAddress address) throws Exception {
    ZeroWire zw = ZeroWire.get(system);
    SocketOptions options = zw.defaultOptions().withMode(mode).withTcpNoDelay(true);
    socket = ZeroWireSockets.connect(system, address, options);
    payloadBuffer = NativeBuffer.allocate(payload);
    java.nio.ByteBuffer view = payloadBuffer.byteBuffer();
    for (int k = 0; k < payload; k++) {
      view.put(k, patternByte(k));
    }
    List<NativeBuffer> slots = java.util.Collections.nCopies(slots(window, payload), payloadBuffer);
    driver = system.systemActorOf(StreamDriver.create(List.of(new StreamDriver.Lane(socket, slots))),
        "bench-driver-" + SEQ.incrementAndGet(), driverProps);
    before = stats();
  }

  @Override
  protected Totals sendFor(Duration d) throws Exception {
    CompletableFuture<StreamDriver.Result> done = new CompletableFuture<>();
    driver.tell(new StreamDriver.Run(System.nanoTime() + d.toNanos(), false, done));
    StreamDriver.Result r = done.get(d.toMillis() + DRAIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    if (r.failed() > 0) {
      throw new IllegalStateException(r.failed() + " sends failed; first: " + r.firstFailure());
    }
    return new Totals(r.bytes(), r.messages());
  }

  @Override
  protected void extras(Sample s) throws Exception {
    SocketStats now = stats();
    long zcIds = now.zeroCopySends() - before.zeroCopySends();
    long calls = now.sendCalls() - before.sendCalls();
    long sends = now.sends() - before.sends();
    if (calls > 0) {
      s.extra("zc_call_share", zcIds / (double) calls);
      s.extra("sends_per_sendmsg", sends / (double) calls);
    }
    if (zcIds > 0) {
      s.extra("copied_share", (now.copiedCompletions() - before.copiedCompletions()) / (double) zcIds);
    }
    s.extra("mode_switches", now.modeSwitches() - before.modeSwitches());
    before = now;
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
          System.err.printf(Locale.ROOT, "%s: %d buffers withheld at close (not freed)%n", impl(), c.stats().withheld());
          return; // never free what the kernel may still read
        }
      }
      if (payloadBuffer != null) {
        payloadBuffer.release(); // every Send of it has had its outcome (Closed comes after them all)
      }
    } finally {
      if (driver != null) {
        driver.tell(StreamDriver.Stop.INSTANCE);
      }
      super.close();
    }
  }
}
