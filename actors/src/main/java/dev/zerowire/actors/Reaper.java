package dev.zerowire.actors;

import dev.zerowire.nativeio.ErrorQueueHandler;
import dev.zerowire.nativeio.ExtendedError;
import dev.zerowire.nativeio.NativeSocket;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Drains the error queues of zero-copy sockets and tells each socket actor which of its sends
 * the kernel is done with. One per actor system.
 *
 * <p>It knows which socket actor owns which registration (token). When the poller reports EPOLLERR
 * for a token it reads that socket's error queue (non-blocking, up to {@code max-per-drain}
 * messages a turn), puts every range read into the owner's {@link CompletionInbox} and rings its
 * doorbell ({@link SocketActor.CompletionsReady}). One drain cycle per socket at a time (the
 * inbox's cycle state, shared with the poller and the socket): the next drain of a socket waits
 * until the socket applied the last batch, so completions coalesce in the kernel. It never
 * drains an AF_UNIX socket: there MSG_ERRQUEUE reads application data.
 *
 * <p>Handshake that must stay true: a socket actor sends {@link Unwatch} and waits for {@link
 * SocketActor.Unwatched} before it closes its fd. The reaper drains once more, forgets the socket,
 * then replies; it never reads that fd again, so it never reads a closed and reused fd number.
 */
final class Reaper extends AbstractBehavior<Reaper.Command> {

  sealed interface Command permits Watch, Unwatch, ErrorQueueReady {}

  /** Start draining {@code socket}'s error queue for {@code owner}. */
  record Watch(long token, NativeSocket socket, ActorRef<SocketProtocol.Command> owner, CompletionInbox inbox)
      implements Command {}

  /** Drain one last time, forget the socket, reply {@link SocketActor.Unwatched} to the owner. */
  record Unwatch(long token) implements Command {}

  /**
   * Drain {@code token}'s error queue: its drain cycle ({@link CompletionInbox}) is this reaper's
   * to hold until it rings the doorbell. From the poller, which opened the cycle on an EPOLLERR,
   * or from the socket, which found completions came meanwhile when it tried to end one.
   */
  record ErrorQueueReady(long token) implements Command {}

  /** One watched socket. */
  private record Watched(NativeSocket socket, ActorRef<SocketProtocol.Command> owner, CompletionInbox inbox) {}

  static Behavior<Command> create(int maxPerDrain) {
    return Behaviors.setup(ctx -> new Reaper(ctx, maxPerDrain));
  }

  private final int maxPerDrain;
  private final Map<Long, Watched> watched = new HashMap<>();

  private Reaper(ActorContext<Command> ctx, int maxPerDrain) {
    super(ctx);
    this.maxPerDrain = maxPerDrain;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Watch.class, this::onWatch)
        .onMessage(Unwatch.class, this::onUnwatch)
        .onMessage(ErrorQueueReady.class, this::onReady)
        .build();
  }

  private Behavior<Command> onWatch(Watch w) {
    if (w.socket().isUnix()) {
      throw new IllegalArgumentException("the reaper never drains AF_UNIX sockets: " + w.socket());
    }
    watched.put(w.token(), new Watched(w.socket(), w.owner(), w.inbox()));
    return this;
  }

  private Behavior<Command> onUnwatch(Unwatch u) {
    Watched w = watched.remove(u.token());
    if (w != null) {
      if (drain(u.token(), w, Integer.MAX_VALUE)) {
        w.owner().tell(SocketActor.CompletionsReady.INSTANCE);
      }
      w.owner().tell(SocketActor.Unwatched.INSTANCE);
    }
    return this;
  }

  /**
   * One drain of a cycle; the doorbell rings whatever it found, and the socket, once it applied
   * the batch, ends the cycle or sends the next ErrorQueueReady (so the socket alone re-arms a
   * quiet registration, and handles a failure to). Why pace at all (issue 10): draining at every
   * EPOLLERR read each completion as a notification of its own (1.5 recvmsg and 0.7 poller
   * wake-ups per 64,000 B datagram), because the kernel extends the unread notification at the
   * tail of the error queue instead of queueing a new one.
   */
  private Behavior<Command> onReady(ErrorQueueReady r) {
    Watched w = watched.get(r.token());
    if (w != null) { // else unwatched: its last drain was at Unwatch
      drain(r.token(), w, maxPerDrain);
      w.owner().tell(SocketActor.CompletionsReady.INSTANCE);
    }
    return this;
  }

  /**
   * Reads up to {@code max} messages into the socket's inbox; true when it read any. A drain cut
   * at the limit marks the cycle to drain again.
   */
  private boolean drain(long token, Watched w, int max) {
    Batch batch = new Batch();
    int read;
    try {
      read = w.socket().drainErrorQueue(batch, max);
    } catch (IOException | RuntimeException e) {
      getContext().getLog().debug("error queue of token {} not readable: {}", token, e.getMessage());
      read = 0;
    }
    if (read >= max) {
      w.inbox().drainAgain();
    }
    if (batch.count == 0 && batch.others.isEmpty()) {
      return false;
    }
    w.inbox().offer(batch.toBatch());
    return true;
  }

  /** Collects the ranges of one drain into one message. */
  private static final class Batch implements ErrorQueueHandler {
    int[] lo = new int[8];
    int[] hi = new int[8];
    boolean[] copied = new boolean[8];
    int count;
    final List<ExtendedError> others = new ArrayList<>(0);

    @Override
    public void onCompletion(int l, int h, boolean c) {
      if (count == lo.length) {
        lo = java.util.Arrays.copyOf(lo, count * 2);
        hi = java.util.Arrays.copyOf(hi, count * 2);
        copied = java.util.Arrays.copyOf(copied, count * 2);
      }
      lo[count] = l;
      hi[count] = h;
      copied[count] = c;
      count++;
    }

    @Override
    public void onOtherError(ExtendedError error) {
      others.add(error);
    }

    CompletionInbox.Batch toBatch() {
      return new CompletionInbox.Batch(lo, hi, copied, count, List.copyOf(others), System.nanoTime());
    }
  }
}
