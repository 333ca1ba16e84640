package dev.zerowire.nativeio;

/**
 * Fixed-size chunks of page-aligned native memory that one owner lends out and anyone gives back
 * (a socket reads into a chunk and lends it to its handler, which may forward it in a send and
 * releases it when that send's outcome arrives, on its own thread).
 *
 * <p>What must stay true: at most {@code maxChunks} chunks exist at once, so the memory a pool
 * holds is bounded by its settings whatever its borrowers do; a chunk is never lent twice at
 * once, because only {@link NativeBuffer#release()} of the one buffer lent over it gives it back;
 * after {@link #close()} no chunk is kept: free ones are freed at once, lent ones as they come
 * back.
 *
 * <p>Thread-safe: {@link #take} is the owner's, {@link #giveBack} (through release) anyone's. One
 * short lock, uncontended in the common case where owner and borrower are not releasing at the
 * same moment.
 */
public final class BufferPool {
  private final int chunkSize;
  private final int maxChunks;
  private final long[] free; // a stack of free chunk addresses
  private int freeCount;
  private int chunks; // in existence: free + lent
  private boolean closed;
  private Runnable whenReturned; // one-shot: run by the next giveBack

  public BufferPool(int chunkSize, int maxChunks) {
    if (chunkSize <= 0 || maxChunks <= 0) {
      throw new IllegalArgumentException("chunkSize " + chunkSize + ", maxChunks " + maxChunks + ": both must be > 0");
    }
    this.chunkSize = chunkSize;
    this.maxChunks = maxChunks;
    this.free = new long[maxChunks];
  }

  public int chunkSize() {
    return chunkSize;
  }

  /**
   * The address of a chunk of {@link #chunkSize()} bytes, now the caller's, or 0 when {@code
   * maxChunks} are out. Hand it on with {@link #lend} or back with {@link #giveBack}.
   */
  public synchronized long take() {
    if (closed) {
      throw new IllegalStateException("buffer pool closed");
    }
    if (freeCount > 0) {
      return free[--freeCount];
    }
    if (chunks == maxChunks) {
      return 0;
    }
    long a = NativeBuffer.allocateAligned(chunkSize);
    chunks++;
    return a;
  }

  /** A buffer of the first {@code length} bytes of a taken chunk; its release gives the chunk back. */
  public NativeBuffer lend(long address, int length) {
    if (length <= 0 || length > chunkSize) {
      throw new IllegalArgumentException("length " + length + " outside 1.." + chunkSize);
    }
    return NativeBuffer.lent(address, length, this);
  }

  /** A taken chunk comes back (directly, or by the release of the buffer lent over it). */
  public void giveBack(long address) {
    Runnable r;
    synchronized (this) {
      if (closed) {
        LibC.free(address);
        chunks--;
        return;
      }
      free[freeCount++] = address;
      r = whenReturned;
      whenReturned = null;
    }
    if (r != null) {
      r.run();
    }
  }

  /**
   * Runs {@code r} (once, on the returning thread) when the next chunk comes back; at once if one
   * is free already, so a wake-up is never missed.
   */
  public void whenReturned(Runnable r) {
    synchronized (this) {
      if (freeCount == 0 && chunks == maxChunks && !closed) {
        whenReturned = r;
        return;
      }
    }
    r.run();
  }

  /** Chunks lent out now. */
  public synchronized int lent() {
    return chunks - freeCount;
  }

  /** Frees the free chunks now and every lent one when it comes back. Idempotent. */
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      while (freeCount > 0) {
        LibC.free(free[--freeCount]);
        chunks--;
      }
      whenReturned = null;
    }
  }

  /** Chunks that exist (free and lent); after close, the lent ones not yet back. */
  public synchronized int chunks() {
    return chunks;
  }
}
