package dev.zerowire.blight;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A byte budget for payloads that are partly received: shared by every connection of one
 * {@link BlightServer} (each with its own {@link BlightDecoder}), so what a server holds for
 * unfinished messages is bounded by a setting and never by the sizes peers claim in headers.
 *
 * <p>Why shared and not per connection: a per-connection bound times an unbounded number of
 * connections is no bound; 150 connections that each claim 60 MiB and then trickle must not add
 * up to 9 GB (issue 9, break 1). A decoder reserves each piece of payload memory before it
 * allocates it and gives the reservation back when the message is delivered or abandoned; a
 * refused reservation makes that decoder stop taking bytes (backpressure on that one peer) until
 * another connection gives memory back.
 *
 * <p>What must stay true: {@link #used()} is the sum of the reservations not yet released, never
 * above {@link #limit()}; every reservation is released exactly once. Thread-safe: connection
 * actors run on different threads.
 */
public final class PayloadBudget {

  private final long limit;
  private final AtomicLong used = new AtomicLong();
  private final AtomicLong peak = new AtomicLong();
  private final AtomicLong refusals = new AtomicLong();

  /** @param limit bytes that may be reserved at once, at least 1 */
  public PayloadBudget(long limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("payload budget must be at least 1 byte, was " + limit);
    }
    this.limit = limit;
  }

  /** A budget that never refuses (a client's decoder: it reads only what its own server sends). */
  public static PayloadBudget unlimited() {
    return new PayloadBudget(Long.MAX_VALUE);
  }

  /** Reserves {@code n} bytes if they fit; false (and nothing reserved) if not. */
  public boolean tryReserve(long n) {
    while (true) {
      long u = used.get();
      if (n > limit - u) {
        refusals.incrementAndGet();
        return false;
      }
      if (used.compareAndSet(u, u + n)) {
        peak.accumulateAndGet(u + n, Math::max);
        return true;
      }
    }
  }

  /** Gives back {@code n} bytes reserved earlier. */
  public void release(long n) {
    long after = used.addAndGet(-n);
    if (after < 0) {
      throw new IllegalStateException("payload budget released " + n + " bytes more than reserved");
    }
  }

  /** Bytes reserved now. */
  public long used() {
    return used.get();
  }

  /** The most bytes reserved at once so far. */
  public long peak() {
    return peak.get();
  }

  /** Reservations refused so far (each one paused a connection). */
  public long refusals() {
    return refusals.get();
  }

  /** The bound. */
  public long limit() {
    return limit;
  }
}
