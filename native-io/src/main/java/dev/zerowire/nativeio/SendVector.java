package dev.zerowire.nativeio;

/**
 * A {@code struct msghdr} and its {@code struct iovec} array, prepared once per socket and reused
 * for every gathering send, so a send in steady state allocates nothing.
 *
 * <p>Layout (LP64 Linux, sendmsg(2)): msghdr is 56 bytes: msg_name @0, msg_namelen @8, msg_iov
 * @16, msg_iovlen @24, msg_control @32, msg_controllen @40, msg_flags @48; each iovec is 16
 * bytes: iov_base @0, iov_len @8. The kernel reads at most {@link Kernel#UIO_MAXIOV} entries.
 *
 * <p>Owned by one socket, used by one thread at a time. Fill it with {@link #add}, send it with
 * {@link NativeSocket#send(SendVector, boolean)}, {@link #clear()} it for the next call.
 *
 * <p>The iovec array starts at {@value #INITIAL} entries (or the capacity, if smaller) and doubles
 * when an {@link #add} finds it full, up to the capacity: a socket that never gathers much keeps
 * about 1 KiB, one that does grows once to at most 16 KiB ({@code UIO_MAXIOV} entries), and in
 * steady state nothing is allocated.
 */
public final class SendVector {
  static final int MSGHDR_SIZE = 56;
  static final int IOVEC_SIZE = 16;
  static final int INITIAL = 64;

  private final int capacity;
  private NativeMemory memory;
  private int allocated;
  private int count;
  private long totalBytes;

  /** @param capacity iovec entries, 1..{@link Kernel#UIO_MAXIOV} */
  public SendVector(int capacity) {
    if (capacity < 1 || capacity > Kernel.UIO_MAXIOV) {
      throw new IllegalArgumentException("capacity must be 1.." + Kernel.UIO_MAXIOV + ", was " + capacity);
    }
    this.capacity = capacity;
    this.allocated = Math.min(capacity, INITIAL);
    this.memory = new NativeMemory(MSGHDR_SIZE + allocated * IOVEC_SIZE);
    memory.bytes.putLong(16, memory.address + MSGHDR_SIZE); // msg_iov moves only when the array grows
  }

  /** Doubles the iovec array (at most to the capacity), keeping the entries added so far. */
  private void grow() {
    memory.checkLive();
    int bigger = Math.min(capacity, allocated * 2);
    NativeMemory m = new NativeMemory(MSGHDR_SIZE + bigger * IOVEC_SIZE);
    m.bytes.put(0, memory.bytes, 0, MSGHDR_SIZE + count * IOVEC_SIZE);
    m.bytes.putLong(16, m.address + MSGHDR_SIZE);
    memory.free();
    memory = m;
    allocated = bigger;
  }

  /** Empties the vector for the next send. */
  public void clear() {
    count = 0;
    totalBytes = 0;
  }

  /**
   * Appends {@code [address, address+length)}. Returns false, adding nothing, when full.
   * A zero-length entry is skipped (and counts as added).
   */
  public boolean add(long address, long length) {
    if (length < 0) {
      throw new IllegalArgumentException("negative length " + length);
    }
    if (length == 0) {
      return true;
    }
    if (count == capacity) {
      return false;
    }
    if (count == allocated) {
      grow();
    }
    memory.checkLive();
    int at = MSGHDR_SIZE + count * IOVEC_SIZE;
    memory.bytes.putLong(at, address);
    memory.bytes.putLong(at + 8, length);
    count++;
    totalBytes += length;
    return true;
  }

  /** Appends {@code buffer[offset, offset+length)}; false when full. */
  public boolean add(NativeBuffer buffer, int offset, int length) {
    java.util.Objects.checkFromIndexSize(offset, length, buffer.length());
    return add(buffer.address() + offset, length);
  }

  public boolean isFull() {
    return count == capacity;
  }

  public int count() {
    return count;
  }

  public int capacity() {
    return capacity;
  }

  /** Sum of the lengths added since the last clear. */
  public long totalBytes() {
    return totalBytes;
  }

  /** Address of the msghdr, with msg_iovlen set to the current count. */
  long prepare() {
    memory.checkLive();
    memory.bytes.putLong(24, count);
    return memory.address;
  }

  /** Frees the native memory; the vector is unusable afterwards. */
  public void free() {
    memory.free();
  }
}
