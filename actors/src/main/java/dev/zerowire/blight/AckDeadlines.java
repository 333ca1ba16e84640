package dev.zerowire.blight;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.ToLongFunction;

/**
 * The deadlines of a client's awaited acks, earliest first, so that one timer, armed for the
 * earliest, serves them all (owned by one {@link BlightClient}; not thread-safe).
 *
 * <p>Why (issue 10): a timer per request (Pekko's {@code TimerScheduler.startSingleTimer}, then a
 * cancel on the ack) cost every awaited request a scheduler entry handed to the scheduler's
 * thread; without it a warm in-process Info round trip on one vCPU took 7.5 µs at the p50 instead
 * of 7.7-8.0. Here a request that waits no earlier than the armed deadline (the usual case: one
 * timeout for all, acks in order) touches no timer at all.
 *
 * <p>What must stay true: every entry added is either removed (its ack came, or it was lost) or
 * returned by {@link #due} once its deadline has passed, exactly once; the structure holds only
 * entries still awaited, so it is as bounded as the table of awaited acks itself.
 *
 * @param <T> what is awaited ({@link #remove} finds it by {@code equals}, the earliest by identity)
 */
final class AckDeadlines<T> {
  private final ToLongFunction<T> deadline;
  private final PriorityQueue<T> queue;

  /** Entries whose deadline ({@link System#nanoTime} scale) {@code deadline} tells. */
  AckDeadlines(ToLongFunction<T> deadline) {
    this.deadline = deadline;
    // nanoTime values compare by their difference (System.nanoTime: they may wrap)
    this.queue = new PriorityQueue<>((a, b) -> Long.compare(deadline.applyAsLong(a) - deadline.applyAsLong(b), 0));
  }

  /** Adds {@code awaited}; true when it is now the earliest, so the caller arms its timer for it. */
  boolean add(T awaited) {
    queue.add(awaited);
    return queue.peek() == awaited;
  }

  /** Forgets {@code awaited} (its ack came, or it was lost); false when it was not here. */
  boolean remove(T awaited) {
    if (queue.peek() == awaited) {
      queue.poll(); // acks mostly come in order: the earliest, without a scan
      return true;
    }
    return queue.remove(awaited); // a scan of what is still awaited
  }

  /** Removes and returns every entry due at {@code nowNanos}, earliest first. */
  List<T> due(long nowNanos) {
    List<T> out = new ArrayList<>();
    for (T e; (e = queue.peek()) != null && deadline.applyAsLong(e) - nowNanos <= 0; ) {
      out.add(queue.poll());
    }
    return out;
  }

  /** The earliest deadline; only when not {@link #isEmpty}. */
  long earliest() {
    return deadline.applyAsLong(queue.element());
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  int size() {
    return queue.size();
  }

  void clear() {
    queue.clear();
  }
}
