package dev.zerowire.actors;

import dev.zerowire.nativeio.ExtendedError;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

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
 */
final class CompletionInbox {
  /**
   * The ranges {@code lo[i]..hi[i]} (and other error-queue messages) read in one drain, and when
   * the reaper read them ({@link System#nanoTime()}): the first moment user space saw the kernel
   * let go, from which the release delay is measured.
   */
  record Batch(int[] lo, int[] hi, boolean[] copied, int count, List<ExtendedError> others, long drainedNanos) {}

  private final ConcurrentLinkedQueue<Batch> queue = new ConcurrentLinkedQueue<>();

  void offer(Batch batch) {
    queue.offer(batch);
  }

  /** The oldest batch, or null. */
  Batch poll() {
    return queue.poll();
  }
}
