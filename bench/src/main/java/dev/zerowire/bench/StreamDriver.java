package dev.zerowire.bench;

import dev.zerowire.actors.SocketProtocol;
import dev.zerowire.actors.SocketProtocol.Failed;
import dev.zerowire.actors.SocketProtocol.Refused;
import dev.zerowire.actors.SocketProtocol.Released;
import dev.zerowire.actors.SocketProtocol.WritingResumed;
import dev.zerowire.nativeio.NativeBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The user-side actor that streams through zerowire sockets, as an application would: it keeps a
 * window of buffers in flight on each socket ("slots"), and sends a buffer again as soon as its
 * {@link Released} comes back, until the deadline. Then it waits for every outstanding outcome and
 * reports. One driver can drive one socket (stream-tcp) or a thousand (many-connections).
 *
 * <p>Each slot's buffer is sent with the slot number as its correlation id, so an outcome finds
 * its slot without a map. Handlers return {@code Behaviors.same()}, never {@code this}: a new
 * behavior object makes Pekko wrap the actor's interceptor again on every message (about 90 bytes
 * and 90 ns each, measured), which would be charged to zerowire here. A buffer is touched again only after its outcome: the ownership rule
 * of {@link SocketProtocol}.
 */
final class StreamDriver extends AbstractBehavior<Object> {

  /** One socket and the buffers it keeps in flight (one Send each). */
  record Lane(ActorRef<SocketProtocol.Command> socket, List<NativeBuffer> buffers) {}

  /** Stream until {@code deadlineNanos}; complete {@code done} once every outcome is in. */
  record Run(long deadlineNanos, boolean recordLatency, CompletableFuture<Result> done) {}

  /**
   * One run's outcome.
   *
   * @param bytes bytes of Released sends
   * @param messages Released sends
   * @param failed sends whose outcome was Failed (or Refused other than for room)
   * @param withheld failed sends whose buffers zerowire kept (never to be reused or freed)
   * @param firstFailure the reason of the first failure, or null
   * @param sendToRelease per Released send: nanoseconds from the driver's tell to the Released
   *     arriving here (null unless asked for)
   */
  record Result(long bytes, long messages, long failed, long withheld, String firstFailure, LongSamples sendToRelease) {}

  /** Stop the driver (after its last run). */
  enum Stop { INSTANCE }

  static Behavior<Object> create(List<Lane> lanes) {
    return Behaviors.setup(ctx -> new StreamDriver(ctx, lanes));
  }

  private final ActorRef<SocketProtocol.Command>[] slotSocket;
  private final NativeBuffer[] slotBuffer;
  private final long[] sentAt;
  private final boolean[] withheldSlot;
  private final ActorRef<SocketProtocol.SendReply> self;
  private final ArrayDeque<Integer> waitingForRoom = new ArrayDeque<>();

  private Run run;
  private int outstanding;
  private long bytes;
  private long messages;
  private long failed;
  private long withheld;
  private String firstFailure;
  private LongSamples latency;

  @SuppressWarnings("unchecked")
  private StreamDriver(ActorContext<Object> ctx, List<Lane> lanes) {
    super(ctx);
    int n = lanes.stream().mapToInt(l -> l.buffers().size()).sum();
    slotSocket = new ActorRef[n];
    slotBuffer = new NativeBuffer[n];
    sentAt = new long[n];
    withheldSlot = new boolean[n];
    int k = 0;
    for (Lane l : lanes) {
      for (NativeBuffer b : l.buffers()) {
        slotSocket[k] = l.socket();
        slotBuffer[k] = b;
        k++;
      }
    }
    self = ctx.getSelf().narrow();
  }

  @Override
  public Receive<Object> createReceive() {
    return newReceiveBuilder()
        .onMessage(Released.class, this::onReleased)
        .onMessage(SocketProtocol.SendOutcomes.class, this::onOutcomes)
        .onMessage(Failed.class, this::onFailed)
        .onMessage(Refused.class, this::onRefused)
        .onMessage(WritingResumed.class, this::onWritingResumed)
        .onMessage(Run.class, this::onRun)
        .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
        .build();
  }

  private Behavior<Object> onRun(Run r) {
    if (run != null) {
      r.done().completeExceptionally(new IllegalStateException("a run is already in progress"));
      return Behaviors.same();
    }
    run = r;
    bytes = 0;
    messages = 0;
    failed = 0;
    withheld = 0;
    firstFailure = null;
    latency = r.recordLatency() ? new LongSamples(1 << 16) : null;
    for (int slot = 0; slot < slotBuffer.length; slot++) {
      if (!withheldSlot[slot]) {
        send(slot);
      }
    }
    maybeFinish();
    return Behaviors.same();
  }

  private void send(int slot) {
    if (latency != null) {
      sentAt[slot] = System.nanoTime();
    }
    slotSocket[slot].tell(SocketProtocol.Send.batched(List.of(slotBuffer[slot]), slot, self));
    outstanding++;
  }

  private Behavior<Object> onReleased(Released r) {
    int slot = (int) r.correlationId();
    outstanding--;
    bytes += slotBuffer[slot].length();
    messages++;
    long now = System.nanoTime();
    if (latency != null) {
      latency.add(now - sentAt[slot]);
    }
    if (now < run.deadlineNanos()) {
      send(slot);
    } else {
      maybeFinish();
    }
    return Behaviors.same();
  }

  /** Outcomes that finished together (Send.batched): each handled as if it had come alone. */
  private Behavior<Object> onOutcomes(SocketProtocol.SendOutcomes batch) {
    for (SocketProtocol.SendOutcome o : batch.outcomes()) {
      switch (o) {
        case Released r -> onReleased(r);
        case Failed f -> onFailed(f);
        case Refused r -> onRefused(r);
      }
    }
    return Behaviors.same();
  }

  private Behavior<Object> onFailed(Failed f) {
    outstanding--;
    failed++;
    if (f.withheld()) {
      withheld++;
      withheldSlot[(int) f.correlationId()] = true; // zerowire keeps it: never send or free it again
    }
    if (firstFailure == null) {
      firstFailure = f.reason();
    }
    maybeFinish();
    return Behaviors.same();
  }

  private Behavior<Object> onRefused(Refused r) {
    outstanding--;
    if (r.kind() == SocketProtocol.RefusalKind.NO_ROOM) {
      waitingForRoom.add((int) r.correlationId());
    } else {
      failed++;
      if (firstFailure == null) {
        firstFailure = "refused (" + r.kind() + "): " + r.reason();
      }
    }
    maybeFinish();
    return Behaviors.same();
  }

  private Behavior<Object> onWritingResumed(WritingResumed w) {
    int n = waitingForRoom.size();
    for (int i = 0; i < n; i++) {
      int slot = waitingForRoom.poll();
      if (slotSocket[slot].equals(w.socket()) && run != null && System.nanoTime() < run.deadlineNanos()) {
        send(slot);
      } else if (slotSocket[slot].equals(w.socket())) {
        // past the deadline: the slot simply is not sent again
      } else {
        waitingForRoom.add(slot);
      }
    }
    maybeFinish();
    return Behaviors.same();
  }

  private void maybeFinish() {
    if (run != null && outstanding == 0 && (waitingForRoom.isEmpty() || System.nanoTime() >= run.deadlineNanos())) {
      waitingForRoom.clear();
      Run r = run;
      run = null;
      r.done().complete(new Result(bytes, messages, failed, withheld, firstFailure, latency));
    }
  }
}
