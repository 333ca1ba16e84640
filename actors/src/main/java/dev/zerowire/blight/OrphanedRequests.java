package dev.zerowire.blight;

import dev.zerowire.actors.ReplyBatch;
import dev.zerowire.actors.SocketProtocol;
import dev.zerowire.blight.BlightProtocol.ClientReply;
import dev.zerowire.blight.BlightProtocol.RequestOutcome;
import dev.zerowire.blight.BlightProtocol.RequestOutcomes;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The requests a blight client's socket had taken when the client was stopped from outside (its
 * parent stopped, or it failed) instead of closed: this actor takes over the client's
 * {@link Outbox} and gives each request the one outcome its caller waits for, from the Send
 * outcomes the socket reports as it closes (the client's {@code PostStop} has the socket close,
 * and {@code ZeroWire.forwardDeadLetters} brings what the socket tells the stopped client here).
 *
 * <p>Why not answer them in {@code PostStop}: the kernel may still read those payloads until the
 * socket reports each Send's outcome (zero copy: until the completion), so they cannot be handed
 * back early, and the callers would otherwise never hear of them: their buffers could never be
 * reused or released.
 *
 * <p>What comes back to each caller: {@code Sent}, {@code SendFailed} or {@code Rejected}, exactly
 * as the client would have answered (batched the same way); {@link #SETTLE} after the socket's
 * {@code Closed}, a request still without outcome never reached the socket and gets
 * {@code SendFailed} (nothing left). Acks are not awaited any more: the client told
 * {@code AckLost} for each.
 *
 * <p>Bounded: it stops once every request has its outcome, or {@link #SETTLE} after the socket's
 * {@code Closed}. If the socket stops and no {@code Closed} follows within {@code grace} (it
 * always sends one; this is the bound on a wait, not a path expected to run), the rest get
 * {@code SendFailed} with {@code withheld}: the kernel never confirmed it let go of them, so they
 * must never be reused.
 */
final class OrphanedRequests {
  private OrphanedRequests() {}

  private enum Grace { OVER }

  /** The socket's Closed came this long ago: no outcome of its can still be on its way. */
  private record Settled(String how) {}

  /**
   * How long after the socket's {@code Closed} outcomes may still arrive. The socket tells every
   * outcome before Closed, and the forwarder keeps the order of what reaches it from one thread,
   * but outcomes that were still in the stopped client's mailbox are passed on from the client's
   * thread, right after its {@code PostStop}, and a Closed told at that moment from the socket's
   * thread may overtake them. A second is far past that window, and only requests that never
   * reached the socket (the rare case) wait for it.
   */
  static final Duration SETTLE = Duration.ofSeconds(1);

  static Behavior<Object> create(Outbox outbox, String name, ActorRef<SocketProtocol.Command> socket, Duration grace) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.watch(socket);
      ReplyBatch<ClientReply, RequestOutcome> outcomes = new ReplyBatch<>(RequestOutcomes::new);
      boolean[] closed = {false};
      return Behaviors.receive(Object.class)
          .onMessage(SocketProtocol.SendOutcome.class, o -> {
            answer(outbox, o, outcomes);
            return doneIfIdle(outbox, outcomes);
          })
          .onMessage(SocketProtocol.SendOutcomes.class, b -> {
            b.outcomes().forEach(o -> answer(outbox, o, outcomes));
            return doneIfIdle(outbox, outcomes);
          })
          .onMessage(SocketProtocol.Closed.class, c -> {
            if (c.socket().equals(socket)) { // else another stopped client's socket
              closed[0] = true;
              timers.startSingleTimer(new Settled(c.how()), SETTLE);
            }
            return Behaviors.same();
          })
          .onMessage(Settled.class, st -> {
            String reason = name + " was stopped and its socket closed (" + st.how() + ") before this message reached it";
            BlightClient.failAll(outbox.socketGone(false), reason, false);
            outbox.close();
            return Behaviors.stopped();
          })
          .onMessageEquals(Grace.OVER, () -> {
            String reason = name + " was stopped and its socket stopped without reporting this message's outcome";
            java.util.List<Outbox.Pending> left = outbox.socketGone(true);
            BlightClient.failAll(left, reason, true);
            int kept = outbox.close();
            ctx.getLog().error("{}: {} message(s) given up without an outcome from the socket; {} header chunk(s) kept",
                name, left.size(), kept);
            return Behaviors.stopped();
          })
          .onSignal(Terminated.class, t -> {
            if (!closed[0]) {
              timers.startSingleTimer(Grace.OVER, grace); // its Closed and last outcomes may still be on their way
            }
            return Behaviors.same();
          })
          .onAnyMessage(m -> Behaviors.same()) // data read after the stop, WritingResumed: nothing owed
          .build();
    }));
  }

  private static void answer(Outbox outbox, SocketProtocol.SendOutcome o, ReplyBatch<ClientReply, RequestOutcome> outcomes) {
    if (!outbox.owns(o)) {
      return; // another stopped client's (successors hear every outcome told to a stopped actor's adapter)
    }
    Outbox.Pending p = outbox.complete(o);
    if (p.tag instanceof BlightClient.RequestTag t) {
      outcomes.add(t.request().replyTo(), BlightClient.outcomeOf(t.request(), t.ackid(), o), t.batched());
    }
  }

  private static Behavior<Object> doneIfIdle(Outbox outbox, ReplyBatch<ClientReply, RequestOutcome> outcomes) {
    outcomes.flush();
    if (outbox.idle()) {
      outbox.close();
      return Behaviors.stopped();
    }
    return Behaviors.same();
  }
}
