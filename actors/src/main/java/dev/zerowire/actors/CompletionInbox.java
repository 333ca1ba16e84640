package dev.zerowire.actors;

import dev.zerowire.nativeio.ExtendedError;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Completion batches on their way from the reaper to one socket actor: the reaper offers a batch
 * and rings the doorbell ({@link SocketActor.CompletionsReady}); the socket actor polls every
 * batch when the bell rings.
 *
 * <p>Why not carry the ranges in the message itself: a message still in a mailbox when its actor
 * is stopped from outside is dropped, and a dropped completion means a buffer whose release the
 * kernel confirmed but nobody saw, which then has to be withheld forever. Batches in this queue
 * are never dropped: the stopping actor polls it in {@code PostStop}. It is a one-writer
 * (reaper), one-reader (socket actor) channel, like the kernel's error queue it mirrors; the
 * in-flight table it feeds stays the socket actor's alone.
 *
 * <p>It also holds where this socket's <b>drain cycle</b> stands, so that the three parties pace
 * the reaper without a message of their own (issue 10: the reaper read a fresh batch only after an
 * {@code Applied} message from the socket, one more hop per batch, and every EPOLLERR while a batch
 * was out still cost the reaper a mailbox run). A cycle starts with an EPOLLERR and ends once the
 * socket applied what the reaper read, or once the reaper found nothing to read:
 *
 * <pre>
 *   IDLE ──EPOLLERR (poller: tells the reaper)──▶ CYCLE ──EPOLLERR, or a drain cut at its limit──▶ AGAIN
 *   CYCLE ──end (the socket applied the drain's batch)──▶ IDLE
 *   AGAIN ──end (the socket tells the reaper to drain again)──▶ CYCLE
 *   CYCLE + QUIET ──end after a batch with completions, nothing else awaited──▶ CYCLE + QUIET (drain again)
 *   + QUIET: an EPOLLERR came while the cycle was open; the poller made the registration one-shot,
 *            and the end that reaches IDLE re-arms it (Poller.quiet, Poller.rearm)
 * </pre>
 *
 * <p>What must stay true: outside IDLE, exactly one party holds the cycle and will end it (the
 * reaper with an {@link Reaper.ErrorQueueReady} in its mailbox, or the socket with a doorbell in
 * its mailbox: every drain rings it, even an empty one), so an EPOLLERR folded into CYCLE or
 * AGAIN is never forgotten, and a quiet registration is always re-armed: the kernel raises a
 * new edge for every completion it queues after a drain's read (epoll(7), EPOLLET; {@code
 * sock_def_error_report}), and that edge either starts a cycle or marks AGAIN before the cycle
 * ends. While a cycle is open, completions wait in the kernel, which extends the tail notification
 * with each contiguous range (Documentation/networking/msg_zerocopy.rst, "Notification
 * Batching"): the socket's pace sets the drain's.
 */
final class CompletionInbox {
  /**
   * The ranges {@code lo[i]..hi[i]} (and other error-queue messages) read in one drain, and when
   * the reaper read them ({@link System#nanoTime()}): the first moment user space saw the kernel
   * let go, from which the release delay is measured.
   */
  record Batch(int[] lo, int[] hi, boolean[] copied, int count, List<ExtendedError> others, long drainedNanos) {}

  /** What {@link #endCycle} tells the holder to do. */
  enum End {
    /** The cycle is over. */
    OVER,
    /** The cycle is over and the registration was quiet: re-arm it ({@link Poller#rearm}). */
    OVER_REARM,
    /**
     * An EPOLLERR came meanwhile, the last drain stopped at its limit, or a quiet cycle goes on:
     * tell the reaper to drain again.
     */
    AGAIN
  }

  private static final int IDLE = 0;
  private static final int CYCLE = 1;
  private static final int AGAIN = 2;
  private static final int PHASE = 3; // the bits above
  private static final int QUIET = 4; // the registration is one-shot: whoever ends the cycle re-arms it

  private final ConcurrentLinkedQueue<Batch> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger cycle = new AtomicInteger(IDLE);

  /**
   * The poller saw EPOLLERR: true when this starts a cycle (the caller must tell the reaper),
   * false when a cycle is open (it is marked AGAIN and will drain once more when it ends).
   */
  boolean errorQueueReady() {
    while (true) {
      int s = cycle.get();
      int phase = s & PHASE;
      if (phase == AGAIN || cycle.compareAndSet(s, (s & ~PHASE) | (phase == IDLE ? CYCLE : AGAIN))) {
        return phase == IDLE;
      }
    }
  }

  /**
   * The poller saw EPOLLERR during an open cycle: true when this made the cycle quiet, and the
   * caller must make the registration one-shot ({@link Poller}); false when it already is, or the
   * cycle has ended meanwhile.
   */
  boolean quiet() {
    while (true) {
      int s = cycle.get();
      if ((s & PHASE) == IDLE || (s & QUIET) != 0) {
        return false;
      }
      if (cycle.compareAndSet(s, s | QUIET)) {
        return true;
      }
    }
  }

  /** Whether the registration should be one-shot now. */
  boolean quieted() {
    return (cycle.get() & QUIET) != 0;
  }

  /** The reaper's drain stopped at its limit: the cycle must drain again when it ends. */
  void drainAgain() {
    while (true) {
      int s = cycle.get();
      if ((s & PHASE) != CYCLE || cycle.compareAndSet(s, (s & ~PHASE) | AGAIN)) {
        return;
      }
    }
  }

  /**
   * The holder of the cycle (the socket, once it applied a batch) ends it, or learns it goes on:
   * AGAIN when an EPOLLERR came meanwhile, and also when the cycle is quiet, the batch just applied
   * held completions ({@code appliedSome}) and the socket awaits no other readiness ({@code
   * awaitsReadiness}: room to write, inbound data for a reading handler, a close). Why going on
   * (issue 10): quiet means completions keep coming, so the error queue is most likely not empty
   * again already; ending the cycle there re-armed the registration, whose re-check reported
   * EPOLLERR at once, and the poller woke to open the next cycle (and again to quiet it). Going on
   * costs one drain, and the first drain that finds nothing ends the cycle. Why not while the
   * socket awaits readiness: while quiet the registration reports nothing, and a cycle that goes
   * on for as long as completions stream would hold that readiness back for as long.
   */
  End endCycle(boolean appliedSome, boolean awaitsReadiness) {
    boolean goOn = appliedSome && !awaitsReadiness;
    while (true) {
      int s = cycle.get();
      if ((s & PHASE) == AGAIN) {
        if (cycle.compareAndSet(s, (s & ~PHASE) | CYCLE)) {
          return End.AGAIN;
        }
      } else if ((s & QUIET) != 0 && goOn) {
        return End.AGAIN; // stays CYCLE | QUIET: only the holder moves it from here
      } else if (cycle.compareAndSet(s, IDLE)) {
        return (s & QUIET) != 0 ? End.OVER_REARM : End.OVER;
      }
    }
  }

  void offer(Batch batch) {
    queue.offer(batch);
  }

  /** The oldest batch, or null. */
  Batch poll() {
    return queue.poll();
  }
}
