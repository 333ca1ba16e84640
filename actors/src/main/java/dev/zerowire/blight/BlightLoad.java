package dev.zerowire.blight;

import dev.zerowire.blight.BlightProtocol.AckLost;
import dev.zerowire.blight.BlightProtocol.AckReceived;
import dev.zerowire.blight.BlightProtocol.AckReply;
import dev.zerowire.blight.BlightProtocol.AckTimedOut;
import dev.zerowire.blight.BlightProtocol.ClientCommand;
import dev.zerowire.blight.BlightProtocol.ClientReply;
import dev.zerowire.blight.BlightProtocol.Rejected;
import dev.zerowire.blight.BlightProtocol.Request;
import dev.zerowire.blight.BlightProtocol.RequestOutcome;
import dev.zerowire.blight.BlightProtocol.RequestOutcomes;
import dev.zerowire.blight.BlightProtocol.Requests;
import dev.zerowire.blight.BlightProtocol.SendFailed;
import dev.zerowire.blight.BlightProtocol.Sent;
import dev.zerowire.nativeio.NativeBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * A load generator for a {@link BlightClient}, as libblight's client would send: {@code messages}
 * messages of one type with ackids 1..N, each payload {@link TestPattern} bytes for its ackid, then
 * a Ping with ackid N+1 whose Ack ends the run. Used by the blight-client and demo commands and the
 * conformance tests.
 *
 * <h2>Flow</h2>
 *
 * Types libblight waits on (Ping, Info, Delete, List, Wait) go one at a time: the next leaves when
 * the previous one's ack (or its timeout or loss) and outcome came. Other types pipeline: up to
 * {@code window} requests are in flight, each with its own payload buffer, and a buffer is refilled
 * for the next ackid only after its {@code Sent}/{@code SendFailed}/{@code Rejected} brought it
 * back (the kernel may read it until then). What may leave at once goes in one {@link Requests},
 * and the outcomes come back batched ({@link RequestOutcomes}): one hop each way per batch.
 *
 * <p>The first failed or rejected message ends the run: nothing more is sent (not even the final
 * Ping), the outcomes still owed are awaited, and the result lists the failure. The client is
 * watched: if it stops, the requests it never answered (they reached it after it stopped) count
 * as failed.
 *
 * <h2>Ownership</h2>
 *
 * This actor allocates the {@code window} payload buffers and frees them at the end if they are
 * home. A buffer {@linkplain SendFailed#withheld() withheld} by zerowire, or one whose request the
 * stopped client never answered, is not freed (the kernel might still read it; a client stopped
 * from outside gives no guarantee). The checksum is FNV-1a 64 over every payload byte in ackid
 * order, as sent.
 */
public final class BlightLoad extends AbstractBehavior<ClientReply> {

  /**
   * What to send.
   *
   * @param progressEvery report {@link Progress} to {@code progress} every this many messages (0: never)
   * @param progress      where progress goes, or null
   */
  public record Spec(BlightType type, long messages, int size, int window, Duration ackTimeout, long progressEvery,
             ActorRef<Progress> progress) {
    public Spec {
      Objects.requireNonNull(type, "type");
      if (!type.validOnWire() || type == BlightType.ACK) {
        throw new IllegalArgumentException("cannot load-test " + type.wireName() + " messages");
      }
      if (messages < 0 || messages >= BlightWire.MAX_UINT32) {
        throw new IllegalArgumentException("messages must be 0.." + (BlightWire.MAX_UINT32 - 1));
      }
      if (size < 0) {
        throw new IllegalArgumentException("size must be >= 0");
      }
      if (size == 0 && type.needsPayload()) {
        throw new IllegalArgumentException(type.wireName() + " needs a payload: give a size > 0");
      }
      if (window < 1) {
        throw new IllegalArgumentException("window must be >= 1");
      }
    }

    /** {@code messages} of {@code size} bytes, a window of 128, the default ack timeout, no progress. */
    public static Spec of(BlightType type, long messages, int size) {
      return new Spec(type, messages, size, 128, null, 0, null);
    }

    public Spec withWindow(int w) {
      return new Spec(type, messages, size, w, ackTimeout, progressEvery, progress);
    }

    public Spec withProgress(long every, ActorRef<Progress> to) {
      return new Spec(type, messages, size, window, ackTimeout, every, to);
    }

    public Spec withAckTimeout(Duration d) {
      return new Spec(type, messages, size, window, d, progressEvery, progress);
    }
  }

  /** How far a run is: requests handed to the client, and outcomes back. */
  public record Progress(long sent, long done, long total) {
  }

  /**
   * What a run did.
   *
   * @param messages      requests handed to the client (N unless the run was cut short)
   * @param bytes         their payload bytes
   * @param checksum      FNV-1a 64 over those payload bytes in ackid order, 16 hex digits
   * @param released      requests whose outcome was Sent
   * @param failed        requests whose outcome was SendFailed or Rejected
   * @param acksAwaited   acks received for requests that awaited one
   * @param ackTimeouts   awaited acks that timed out
   * @param acksLost      awaited acks lost with the connection
   * @param finalPingAcked whether the closing Ping (ackid N+1) was acked
   * @param seconds       from the first request to the final ack
   * @param errors        one line per problem (failures, timeouts, a missing final ack)
   * @param latencyP50Nanos for types libblight waits on: the median time from telling a request to
   *                      the client until its {@code AckReceived} reached this load (nearest rank);
   *                      0 when no ack was awaited and received
   * @param latencyP99Nanos the same, 99th percentile
   */
  public record Result(long messages, long bytes, String checksum, long released, long failed, long acksAwaited,
             long ackTimeouts, long acksLost, boolean finalPingAcked, double seconds,
             List<String> errors, long latencyP50Nanos, long latencyP99Nanos) {
    public Result {
      errors = List.copyOf(errors);
    }

    /** No failure, no timeout, no lost ack, and the final Ping was acked. */
    public boolean ok() {
      return failed == 0 && ackTimeouts == 0 && acksLost == 0 && finalPingAcked && errors.isEmpty();
    }
  }

  /** Runs {@code spec} through {@code client}, replies the {@link Result} and stops. */
  public static Behavior<ClientReply> create(ActorRef<ClientCommand> client, Spec spec, ActorRef<Result> replyTo) {
    return Behaviors.setup(ctx -> new BlightLoad(ctx, client, spec, replyTo).start());
  }

  private static final int MAX_ERRORS = 20;
  private static final RequestOutcome SILENCE = new Rejected(-1, 0, null, "no reply from the client");

  private final ActorRef<ClientCommand> client;
  private final Spec spec;
  private final ActorRef<Result> replyTo;
  private final boolean awaits;
  private final ArrayDeque<NativeBuffer> free = new ArrayDeque<>();
  private final Map<Long, NativeBuffer> out = new HashMap<>(); // in flight, by ackid
  private final List<NativeBuffer> all = new ArrayList<>();
  /**
   * Byte j is {@code j & 0xff}, so the payload of ackid k, byte i = {@code (k*31 + i) & 0xff}, is
   * the slice from {@code (k*31) & 0xff}: a fill is one copy, the hash one pass over the slice.
   */
  private final byte[] pattern;
  private final Fnv1a64 checksum = new Fnv1a64();
  private final List<String> errors = new ArrayList<>();

  /** Round trips of awaited requests, request told to AckReceived (one at a time: awaited types never overlap). */
  private long[] latencies = new long[1024];
  private int latencyCount;
  private long askedAt;

  private long next = 1;
  private long inFlight; // requests without their outcome
  private long acksOwed; // awaited acks without their reply
  private long done;
  private long startNanos;
  private boolean aborted;
  private boolean finalPingSent;
  private boolean finalOutcome;
  private boolean finalAck;
  private boolean finalPingAcked;
  private long released;
  private long failed;
  private long acksAwaited;
  private long ackTimeouts;
  private long acksLost;

  private BlightLoad(ActorContext<ClientReply> ctx, ActorRef<ClientCommand> client, Spec spec,
             ActorRef<Result> replyTo) {
    super(ctx);
    this.client = client;
    this.spec = spec;
    this.replyTo = replyTo;
    this.awaits = spec.type().libblightWaitsForAck();
    this.pattern = new byte[spec.size() + 256];
    TestPattern.fill(0, pattern);
    if (spec.size() > 0) {
      long buffers = Math.min(spec.window(), Math.max(1, spec.messages()));
      for (int i = 0; i < buffers; i++) {
        NativeBuffer b = NativeBuffer.allocate(spec.size());
        all.add(b);
        free.add(b);
      }
    }
    ctx.watch(client);
    Duration quiet = Duration.ofSeconds(60).plus(spec.ackTimeout() == null ? Duration.ZERO : spec.ackTimeout());
    ctx.setReceiveTimeout(quiet, SILENCE);
  }

  private Behavior<ClientReply> start() {
    startNanos = System.nanoTime();
    return pump();
  }

  @Override
  public Receive<ClientReply> createReceive() {
    return newReceiveBuilder()
        .onMessage(RequestOutcome.class, this::onOutcome)
        .onMessage(RequestOutcomes.class, this::onOutcomes)
        .onMessage(AckReply.class, this::onAck)
        .onSignal(Terminated.class, t -> onClientStopped())
        .build();
  }

  /**
   * Sends what the window and the ack discipline allow, all of it in one {@link Requests} (one
   * hop to the client for a window's worth of pipelined messages); finishes the run when all is back.
   */
  private Behavior<ClientReply> pump() {
    List<Request> batch = null;
    while (!aborted && next <= spec.messages() && inFlight < spec.window()
        && (!awaits || (inFlight == 0 && acksOwed == 0)) && (spec.size() == 0 || !free.isEmpty())) {
      long ackid = next++;
      NativeBuffer payload = null;
      if (spec.size() > 0) {
        payload = free.poll();
        int from = (int) ((ackid * 31) & 0xff);
        payload.put(0, pattern, from, spec.size());
        checksum.update(pattern, from, spec.size());
        out.put(ackid, payload);
      }
      inFlight++;
      if (awaits) {
        acksOwed++;
        askedAt = System.nanoTime();
      }
      if (batch == null) {
        batch = new ArrayList<>();
      }
      batch.add(new Request(spec.type(), ackid, payload, awaits, spec.ackTimeout(), ackid, getContext().getSelf()));
      if (spec.progress() != null && spec.progressEvery() > 0 && ackid % spec.progressEvery() == 0) {
        spec.progress().tell(new Progress(ackid, done, spec.messages()));
      }
    }
    if (batch != null) {
      client.tell(batch.size() == 1 ? batch.get(0) : new Requests(batch));
    }
    boolean allBack = inFlight == 0 && acksOwed == 0;
    if (aborted && allBack) {
      return finish();
    }
    if (!aborted && next > spec.messages() && allBack && !finalPingSent) {
      finalPingSent = true; // as libblight's last call: a Ping, blocking for its Ack
      client.tell(new Request(BlightType.PING, spec.messages() + 1, null, true, spec.ackTimeout(),
          spec.messages() + 1, getContext().getSelf()));
    }
    if (finalPingSent && finalOutcome && finalAck) {
      return finish();
    }
    return this;
  }

  private Behavior<ClientReply> onOutcome(RequestOutcome o) {
    if (o == SILENCE) {
      error("no reply from the client for 60 s; giving up");
      return finish();
    }
    take(o);
    return pump();
  }

  private Behavior<ClientReply> onOutcomes(RequestOutcomes b) {
    b.outcomes().forEach(this::take);
    return pump();
  }

  private void take(RequestOutcome o) {
    if (o.correlationId() == spec.messages() + 1) {
      finalOutcome = true;
      if (o instanceof Rejected r) {
        finalAck = true; // no ack follows a rejection
        error("the final Ping was rejected: " + r.reason());
      } else if (o instanceof SendFailed f) {
        error("the final Ping failed: " + f.reason());
      }
      return;
    }
    inFlight--;
    done++;
    NativeBuffer payload = out.remove(o.correlationId());
    switch (o) {
      case Sent s -> released++;
      case SendFailed f -> {
        failed++;
        aborted = true;
        error("message " + o.ackid() + " failed: " + f.reason());
        if (f.withheld()) {
          payload = null; // zerowire keeps it: never reuse, never free
        }
      }
      case Rejected r -> {
        failed++;
        aborted = true;
        error("message " + o.ackid() + " was rejected: " + r.reason());
        if (awaits) {
          acksOwed--; // a rejected request gets no ack reply
        }
      }
    }
    if (payload != null) {
      free.add(payload);
    }
    if (spec.progress() != null && spec.progressEvery() > 0 && done % spec.progressEvery() == 0) {
      spec.progress().tell(new Progress(next - 1, done, spec.messages()));
    }
  }

  private Behavior<ClientReply> onAck(AckReply a) {
    if (a.correlationId() == spec.messages() + 1) {
      finalAck = true;
      switch (a) {
        case AckReceived r -> finalPingAcked = true;
        case AckTimedOut t -> error("the final Ping (ackid " + a.ackid() + ") was not acked within "
            + t.after().toMillis() + " ms");
        case AckLost l -> error("the final Ping's ack was lost: " + l.reason());
      }
      return pump();
    }
    acksOwed--;
    switch (a) {
      case AckReceived r -> {
        acksAwaited++;
        recordLatency(System.nanoTime() - askedAt);
      }
      case AckTimedOut t -> {
        ackTimeouts++;
        error("no ack for message " + a.ackid() + " within " + t.after().toMillis() + " ms");
      }
      case AckLost l -> {
        acksLost++;
        error("the ack of message " + a.ackid() + " was lost: " + l.reason());
      }
    }
    return pump();
  }

  /** The client stopped: whatever it has not answered by now reached it after it stopped. */
  private Behavior<ClientReply> onClientStopped() {
    if (inFlight > 0) {
      error(inFlight + " request(s) got no outcome: the client stopped first");
      failed += inFlight;
      inFlight = 0;
    }
    if (finalPingSent && !finalAck) {
      error("the client stopped before the final Ping was acked");
    }
    return finish();
  }

  private void recordLatency(long nanos) {
    if (latencyCount == latencies.length) {
      latencies = java.util.Arrays.copyOf(latencies, latencies.length * 2);
    }
    latencies[latencyCount++] = nanos;
  }

  /** Nearest rank: the smallest recorded value with at least {@code p}% of them at or below it; 0 without any. */
  private long percentile(long[] sorted, double p) {
    if (latencyCount == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(p / 100.0 * latencyCount);
    return sorted[Math.max(0, Math.min(latencyCount, rank) - 1)];
  }

  private void error(String e) {
    if (errors.size() < MAX_ERRORS) {
      errors.add(e);
    } else if (errors.size() == MAX_ERRORS) {
      errors.add("(more errors not listed)");
    }
  }

  private Behavior<ClientReply> finish() {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    free.forEach(NativeBuffer::release); // home: nobody can read them any more
    free.clear();
    long[] sorted = java.util.Arrays.copyOf(latencies, latencyCount);
    java.util.Arrays.sort(sorted);
    replyTo.tell(new Result(next - 1, (next - 1) * (long) spec.size(), checksum.hex(), released, failed,
        acksAwaited, ackTimeouts, acksLost, finalPingAcked, seconds, errors, percentile(sorted, 50),
        percentile(sorted, 99)));
    return Behaviors.stopped();
  }
}
