package dev.zerowire.bench;

import dev.zerowire.actors.SocketStats;
import dev.zerowire.blight.BlightClient;
import dev.zerowire.blight.BlightProtocol;
import dev.zerowire.blight.BlightProtocol.AckLost;
import dev.zerowire.blight.BlightProtocol.AckReceived;
import dev.zerowire.blight.BlightProtocol.AckTimedOut;
import dev.zerowire.blight.BlightProtocol.ClientClosed;
import dev.zerowire.blight.BlightProtocol.ClientCommand;
import dev.zerowire.blight.BlightProtocol.ClientConnectFailed;
import dev.zerowire.blight.BlightProtocol.ClientConnected;
import dev.zerowire.blight.BlightProtocol.ClientEvent;
import dev.zerowire.blight.BlightProtocol.ClientReply;
import dev.zerowire.blight.BlightProtocol.ClientStats;
import dev.zerowire.blight.BlightProtocol.Rejected;
import dev.zerowire.blight.BlightProtocol.Request;
import dev.zerowire.blight.BlightProtocol.RequestOutcomes;
import dev.zerowire.blight.BlightProtocol.Requests;
import dev.zerowire.blight.BlightProtocol.SendFailed;
import dev.zerowire.blight.BlightProtocol.Sent;
import dev.zerowire.blight.BlightSettings;
import dev.zerowire.blight.BlightType;
import dev.zerowire.blight.Repaint;
import dev.zerowire.nativeio.NativeBuffer;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * {@code zerowire-blight}: zerowire's own blight client actor ({@link BlightClient}), driven by a
 * {@link Driver} actor that runs next to it on zerowire's dispatcher.
 *
 * <p>small-messages: the driver keeps a window of {@value #WINDOW} Repaint requests in flight, each
 * with its own 36-byte payload buffer (a slice of one native block), and tells the next request for
 * a buffer only when that buffer's {@code Sent} came back (never on {@code SendFailed} withheld or
 * before any outcome: the kernel may read it until then). The requests for all buffers that came
 * home together go in one {@code Requests}, and their outcomes come back batched
 * ({@code RequestOutcomes}): one hop each way per batch, not per message. The client turns each
 * request into one two-buffer Send, all of a batch in one {@code Sends}; the socket actor gathers
 * the Sends queued into one {@code sendmsg} ({@code extra.sends_per_sendmsg} in the results shows
 * how many).
 *
 * <p>round-trip: one Info request at a time (awaiting its Ack), the next once the Ack came and a
 * payload buffer is home (two buffers alternate, so a late {@code Sent} never delays a request).
 * Latency is from telling the request to the driver receiving {@code AckReceived}.
 */
final class ZeroWireBlightClient implements BlightClientUnderTest {
  static final String IMPL = "zerowire-blight";
  /** Repaints in flight in small-messages. */
  static final int WINDOW = Integer.getInteger("zerowire.bench.blight-window", 1024);
  private static final int SLOT = 64; // payload slots 64 bytes apart in one block
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final AtomicInteger SEQ = new AtomicInteger();

  private final ActorSystem<Void> system;
  private final ActorRef<Object> driver;
  private final NativeBuffer block;
  private SocketStats before = SocketStats.ZERO;
  private final LongSamples clientSide = new LongSamples(1 << 16);

  private ZeroWireBlightClient(ActorSystem<Void> system, ActorRef<Object> driver, NativeBuffer block) {
    this.system = system;
    this.driver = driver;
    this.block = block;
  }

  /** A connected client to {@code server}; the driver and the client run on zerowire's dispatcher. */
  static ZeroWireBlightClient connect(ActorSystem<Void> system, SocketAddress server) throws Exception {
    NativeBuffer block = NativeBuffer.allocate(WINDOW * SLOT);
    CompletableFuture<ClientConnected> connected = new CompletableFuture<>();
    ActorRef<Object> driver = system.systemActorOf(Driver.create(server, connected),
        "bench-blight-driver-" + SEQ.incrementAndGet(), dev.zerowire.actors.ZeroWire.dispatcher());
    ZeroWireBlightClient c = new ZeroWireBlightClient(system, driver, block);
    try {
      connected.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      driver.tell(new Stop(new CompletableFuture<>()));
      block.release();
      throw e;
    }
    return c;
  }

  @Override
  public long streamRepaints(Repaint repaint, long deadlineNanos) throws Exception {
    byte[] bytes = repaint.encode();
    List<NativeBuffer> slots = new ArrayList<>(WINDOW);
    for (int i = 0; i < WINDOW; i++) {
      NativeBuffer s = block.slice(i * SLOT, Repaint.SIZE);
      s.put(0, bytes, 0, bytes.length);
      slots.add(s);
    }
    CompletableFuture<Long> done = new CompletableFuture<>();
    driver.tell(new Stream(slots, deadlineNanos, done));
    return done.get(Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000) + TIMEOUT.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  @Override
  public long infoRoundTrips(int surfaceId, long deadlineNanos, LongConsumer latencyNanos) throws Exception {
    List<NativeBuffer> slots = new ArrayList<>(2);
    for (int i = 0; i < 2; i++) {
      NativeBuffer s = block.slice(i * SLOT, 2);
      s.byteBuffer().order(dev.zerowire.blight.BlightWire.ORDER).putShort(0, (short) surfaceId);
      slots.add(s);
    }
    CompletableFuture<Long> done = new CompletableFuture<>();
    clientSide.clear();
    driver.tell(new RoundTrips(slots, deadlineNanos, latencyNanos, clientSide::add, done));
    return done.get(Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000) + TIMEOUT.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** {@code sends_per_sendmsg}: how many Sends (one per message) left in one sendmsg call. */
  @Override
  public void extras(Sample s) throws Exception {
    if (clientSide.count() > 0) { // written by the driver before its future completed
      s.extra("us_p99_client_side", clientSide.percentile(99) / 1e3);
      s.extra("us_p50_client_side", clientSide.percentile(50) / 1e3);
      clientSide.clear();
    }
    long[] d = sendsAndCalls();
    if (d[1] > 0) {
      s.extra("sends_per_sendmsg", d[0] / (double) d[1]);
      s.extra("sendmsg_calls", d[1]);
    }
  }

  /** Sends and sendmsg calls of the socket since the last call: whether small messages batch. */
  long[] sendsAndCalls() throws Exception {
    ClientStats s = AskPattern.<Object, ClientStats>ask(driver, StatsOf::new, BenchContext.ASK_TIMEOUT,
        system.scheduler()).toCompletableFuture().get();
    SocketStats now = s.socket();
    long[] d = {now.sends() - before.sends(), now.sendCalls() - before.sendCalls()};
    before = now;
    return d;
  }

  @Override
  public void close() throws Exception {
    CompletableFuture<ClientClosed> closed = new CompletableFuture<>();
    driver.tell(new Stop(closed));
    ClientClosed c = closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    if (c.stats().socket().withheld() > 0) {
      System.err.println(IMPL + ": " + c.stats().socket().withheld() + " buffers withheld at close (not freed)");
      return; // never free what the kernel may still read
    }
    block.release();
  }

  // ================================================================================ driver

  record Stream(List<NativeBuffer> slots, long deadlineNanos, CompletableFuture<Long> done) {
  }

  /** {@code clientSide} gets the client's own timing of each ack (acceptance to Ack decoded, AckReceived.roundTrip). */
  record RoundTrips(List<NativeBuffer> slots, long deadlineNanos, LongConsumer latency, LongConsumer clientSide,
      CompletableFuture<Long> done) {
  }

  record StatsOf(ActorRef<ClientStats> replyTo) {
  }

  record Stop(CompletableFuture<ClientClosed> closed) {
  }

  /** Owns the client; runs one Stream or RoundTrips at a time. */
  static final class Driver extends AbstractBehavior<Object> {
    private final ActorRef<ClientCommand> client;
    private final ActorRef<ClientReply> replies;
    private final CompletableFuture<ClientConnected> connected;
    private CompletableFuture<ClientClosed> closed;

    // the run in progress
    private final ArrayDeque<NativeBuffer> free = new ArrayDeque<>();
    private Stream stream;
    private RoundTrips trips;
    private long inFlight;
    private long sent;
    private long seq;
    private String failure;
    private boolean ackOwed;
    private long t0;

    static Behavior<Object> create(SocketAddress server, CompletableFuture<ClientConnected> connected) {
      return Behaviors.setup(ctx -> new Driver(ctx, server, connected));
    }

    private Driver(ActorContext<Object> ctx, SocketAddress server, CompletableFuture<ClientConnected> connected) {
      super(ctx);
      this.connected = connected;
      // narrowed self refs, no message adapters: one envelope less per reply
      ActorRef<ClientEvent> events = ctx.getSelf().narrow();
      this.replies = ctx.getSelf().narrow();
      this.client = ctx.spawn(BlightClient.connect(server, BlightSettings.defaults(), events), "client",
          dev.zerowire.actors.ZeroWire.dispatcher());
    }

    @Override
    public Receive<Object> createReceive() {
      return newReceiveBuilder()
          .onMessage(ClientReply.class, this::onReply)
          .onMessage(Stream.class, this::onStream)
          .onMessage(RoundTrips.class, this::onTrips)
          .onMessage(ClientEvent.class, this::onEvent)
          .onMessage(StatsOf.class, s -> {
            client.tell(new BlightProtocol.GetClientStats(s.replyTo()));
            return this;
          })
          .onMessage(Stop.class, s -> {
            closed = s.closed();
            client.tell(new BlightProtocol.CloseClient(null));
            return this;
          })
          .build();
    }

    private Behavior<Object> onEvent(ClientEvent e) {
      switch (e) {
        case ClientConnected c -> connected.complete(c);
        case ClientConnectFailed f -> {
          connected.completeExceptionally(new IllegalStateException(f.reason()));
          return Behaviors.stopped(); // the client stopped too
        }
        case ClientClosed c -> {
          connected.completeExceptionally(new IllegalStateException("closed: " + c.how()));
          fail("client closed: " + c.how());
          if (closed != null) {
            closed.complete(c);
          }
          return Behaviors.stopped();
        }
        default -> fail("client event: " + e);
      }
      return this;
    }

    private void start(List<NativeBuffer> slots) {
      free.clear();
      free.addAll(slots);
      inFlight = 0;
      sent = 0;
      failure = null;
      ackOwed = false;
    }

    private Behavior<Object> onStream(Stream s) {
      start(s.slots());
      stream = s;
      return pumpStream();
    }

    private Behavior<Object> pumpStream() {
      if (failure == null && System.nanoTime() < stream.deadlineNanos()) {
        if (!free.isEmpty()) { // every free buffer in one Requests: one hop for all (their outcomes come batched)
          List<Request> batch = new ArrayList<>(free.size());
          while (!free.isEmpty()) {
            batch.add(new Request(BlightType.REPAINT, BlightProtocol.AUTO_ACKID, free.poll(), false, null, seq++, replies));
          }
          client.tell(new Requests(batch));
          inFlight += batch.size();
        }
      }
      if (inFlight == 0) {
        Stream s = stream;
        stream = null;
        if (failure != null) {
          s.done().completeExceptionally(new IllegalStateException(failure));
        } else {
          s.done().complete(sent);
        }
      }
      return this;
    }

    private Behavior<Object> onTrips(RoundTrips r) {
      start(r.slots());
      trips = r;
      return pumpTrips();
    }

    private Behavior<Object> pumpTrips() {
      if (!ackOwed && !free.isEmpty() && failure == null && System.nanoTime() < trips.deadlineNanos()) {
        NativeBuffer b = free.poll();
        ackOwed = true;
        inFlight++;
        t0 = System.nanoTime();
        client.tell(new Request(BlightType.INFO, BlightProtocol.AUTO_ACKID, b, true, null, seq++, replies));
        return this;
      }
      if (!ackOwed && inFlight == 0) {
        RoundTrips r = trips;
        trips = null;
        if (failure != null) {
          r.done().completeExceptionally(new IllegalStateException(failure));
        } else {
          r.done().complete(sent);
        }
      }
      return this;
    }

    private Behavior<Object> onReply(ClientReply reply) {
      take(reply);
      if (stream != null) {
        return pumpStream();
      }
      if (trips != null) {
        return pumpTrips();
      }
      return this;
    }

    private void take(ClientReply reply) {
      switch (reply) {
        case RequestOutcomes b -> b.outcomes().forEach(this::take);
        case Sent s -> {
          inFlight--;
          free.add(s.payload());
          if (stream != null) {
            sent++;
          }
        }
        case SendFailed f -> {
          inFlight--;
          if (!f.withheld()) {
            free.add(f.payload());
          }
          fail("send failed: " + f.reason());
        }
        case Rejected r -> {
          inFlight--;
          free.add(r.payload());
          ackOwed = false; // no ack follows a rejection
          fail("rejected: " + r.reason());
        }
        case AckReceived a -> {
          long t = System.nanoTime() - t0;
          ackOwed = false;
          if (trips != null) {
            trips.latency().accept(t);
            trips.clientSide().accept(a.roundTrip().toNanos());
            sent++;
          }
        }
        case AckTimedOut t -> {
          ackOwed = false;
          fail("no ack within " + t.after());
        }
        case AckLost l -> {
          ackOwed = false;
          fail("ack lost: " + l.reason());
        }
      }
    }

    private void fail(String why) {
      if (failure == null) {
        failure = why;
      }
    }
  }
}
