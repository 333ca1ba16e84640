package dev.zerowire.nativeio;

import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Off-heap memory at a fixed native address: what a zero-copy send pins and the kernel reads
 * after the send call has returned.
 *
 * <p>Page-aligned ({@code posix_memalign}), so a zero-copy send pins whole pages of this buffer
 * only. Released explicitly and exactly once by its owner: no finalizer and no cleaner, because
 * the runtime must decide when the kernel is done with the memory (MSG_ZEROCOPY completion), not
 * the garbage collector. A {@link #slice} is a view that shares the memory and never owns it.
 *
 * <p>Not thread-safe: a buffer has one owner at a time, and ownership moves with messages
 * (which give the happens-before edge). While a send of it is in flight the owner is the socket
 * actor, and the caller must neither write nor release it: the kernel may still be reading it
 * (Documentation/networking/msg_zerocopy.rst, "Notification").
 *
 * <p>A buffer lent from a {@link BufferPool} is released the same way; its memory then goes back
 * to the pool instead of to libc, and this object (like every released buffer) is dead.
 */
public final class NativeBuffer {
  private static final long PAGE_SIZE = Math.max(4096, LibC.sysconf(Kernel.SC_PAGESIZE));

  private final NativeBuffer root; // the owner of the memory; this for an allocated buffer
  private final long address;
  private final int length;
  private final BufferPool pool; // lent from it (root only): release gives the memory back
  private boolean released; // meaningful on the root only
  private ByteBuffer view; // lazily made, shared by byteBuffer() duplicates

  private NativeBuffer(NativeBuffer root, long address, int length, BufferPool pool) {
    this.root = root == null ? this : root;
    this.address = address;
    this.length = length;
    this.pool = pool;
  }

  /** A buffer over pool memory at {@code address}; its release returns the memory to {@code pool}. */
  static NativeBuffer lent(long address, int length, BufferPool pool) {
    return new NativeBuffer(null, address, length, pool);
  }

  /** posix_memalign of {@code length} bytes, page-aligned; the address. */
  static long allocateAligned(int length) {
    long[] out = new long[1];
    int rc = LibC.posix_memalign(out, PAGE_SIZE, Math.max(1, length));
    if (rc != 0) { // posix_memalign returns the error, it does not set errno
      throw new OutOfMemoryError(Errors.describe("posix_memalign", rc) + " for " + length + " bytes");
    }
    return out[0];
  }

  /** Allocates {@code length} bytes, page-aligned, contents unspecified. */
  public static NativeBuffer allocate(int length) {
    if (length < 0) {
      throw new IllegalArgumentException("length must be >= 0, was " + length);
    }
    return new NativeBuffer(null, allocateAligned(length), length, null);
  }

  /** The system page size, the alignment of every allocated buffer. */
  public static long pageSize() {
    return PAGE_SIZE;
  }

  /** Native address of byte 0. */
  public long address() {
    checkLive();
    return address;
  }

  public int length() {
    return length;
  }

  /** A view of {@code [offset, offset+length)}; it shares this memory and is released with it. */
  public NativeBuffer slice(int offset, int length) {
    Objects.checkFromIndexSize(offset, length, this.length);
    checkLive();
    return new NativeBuffer(root, address + offset, length, null);
  }

  /** Whether this is a slice (a view that does not own its memory). */
  public boolean isSlice() {
    return root != this;
  }

  /**
   * A fresh {@link ByteBuffer} view of the whole buffer (position 0, limit length, big-endian as
   * every new ByteBuffer). Invalid after release: do not keep it past the buffer's life.
   */
  public ByteBuffer byteBuffer() {
    return view().duplicate().clear();
  }

  /**
   * The shared view, made once: a slice views its root's (no JNA call, no Pointer). Only absolute
   * operations touch it, so its position never matters.
   */
  private ByteBuffer view() {
    checkLive();
    if (view == null) {
      view = isSlice() ? root.view().slice((int) (address - root.address), length)
          : new Pointer(address).getByteBuffer(0, length);
    }
    return view;
  }

  /**
   * Copies {@code src[srcOff..srcOff+len)} to {@code [index, index+len)}. A slice writes through
   * its root's view at its offset, so putting into a fresh slice (a header slot) makes no
   * ByteBuffer of its own.
   */
  public void put(int index, byte[] src, int srcOff, int len) {
    Objects.checkFromIndexSize(index, len, length);
    root.view().put(offsetInRoot() + index, src, srcOff, len);
  }

  /** Copies {@code [index, index+len)} to {@code dst[dstOff..dstOff+len)}; a slice reads through its root's view. */
  public void get(int index, byte[] dst, int dstOff, int len) {
    Objects.checkFromIndexSize(index, len, length);
    root.view().get(offsetInRoot() + index, dst, dstOff, len);
  }

  private int offsetInRoot() {
    return (int) (address - root.address);
  }

  /** Sets every byte to {@code value}. */
  public void fill(byte value) {
    ByteBuffer b = byteBuffer();
    for (int i = 0; i < length; i++) {
      b.put(i, value);
    }
  }

  /**
   * Frees the memory (a lent buffer's goes back to its pool). Only the owner calls this, once, and
   * only when no send of it is in flight.
   *
   * @throws IllegalStateException on a slice, or when already released
   */
  public void release() {
    if (isSlice()) {
      throw new IllegalStateException("a slice does not own its memory: release the buffer it came from");
    }
    if (released) {
      throw new IllegalStateException("buffer already released");
    }
    released = true;
    view = null;
    if (pool != null) {
      pool.giveBack(address);
    } else {
      LibC.free(address);
    }
  }

  /** Whether the memory (this buffer's, or the one a slice views) has been released. */
  public boolean isReleased() {
    return root.released;
  }

  private void checkLive() {
    if (root.released) {
      throw new IllegalStateException("buffer used after release");
    }
  }

  @Override
  public String toString() {
    return "NativeBuffer[" + length + " bytes at 0x" + Long.toHexString(address)
        + (isSlice() ? ", slice" : "") + (root.pool != null ? ", lent" : "") + (isReleased() ? ", released" : "") + "]";
  }
}
