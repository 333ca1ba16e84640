package dev.zerowire.blight;

import dev.zerowire.nativeio.NativeBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Native memory for outgoing blight headers (and small ack data framed with them), owned by one
 * connection actor.
 *
 * <p>Why a pool: every message needs a 12-byte header in native memory, and a page-aligned
 * allocation per header (plus its free) would cost more than the send of a small message. So
 * headers live in fixed {@value #SLOT_SIZE}-byte slots carved from page-sized chunks.
 *
 * <p>What must stay true: a slot is taken for exactly one Send and comes back ({@link #give}) only
 * when that Send's outcome arrived: with MSG_ZEROCOPY the kernel reads the header after the send
 * call returned, so reusing it earlier would put another header on the wire. A slot whose Send was
 * withheld (the kernel never confirmed) is {@link #leak}ed: its chunk is never freed. A chunk is
 * freed at {@link #close} only when every slot of it is home. Not thread-safe: one actor owns it.
 */
final class HeaderPool {

  /** Bytes per slot: a header plus up to 116 bytes of inline data (Info's 32-byte surface info). */
  static final int SLOT_SIZE = 128;
  /** Slots per chunk: one 4 KiB page. */
  static final int SLOTS_PER_CHUNK = 32;

  /** One slot: a view of {@value #SLOT_SIZE} bytes of a chunk. */
  static final class Slot {
    final int chunk;
    final NativeBuffer buffer;

    private Slot(int chunk, NativeBuffer buffer) {
      this.chunk = chunk;
      this.buffer = buffer;
    }
  }

  private final List<NativeBuffer> chunks = new ArrayList<>();
  private final List<int[]> out = new ArrayList<>(); // per chunk: slots taken and not home
  private final List<boolean[]> leaked = new ArrayList<>();
  private final ArrayDeque<Slot> free = new ArrayDeque<>();
  private int outstanding;
  private boolean closed;

  /** A free slot (growing by a chunk when none is free). */
  Slot take() {
    if (closed) {
      throw new IllegalStateException("header pool is closed");
    }
    if (free.isEmpty()) {
      grow();
    }
    Slot s = free.pop();
    out.get(s.chunk)[0]++;
    outstanding++;
    return s;
  }

  /** The Send that used {@code s} has its outcome: the slot may be reused. */
  void give(Slot s) {
    out.get(s.chunk)[0]--;
    outstanding--;
    if (!closed) {
      free.push(s);
    }
  }

  /** The kernel may still read {@code s} forever: its chunk is never freed. */
  void leak(Slot s) {
    out.get(s.chunk)[0]--;
    outstanding--;
    leaked.get(s.chunk)[0] = true;
  }

  /** Slots taken and not yet given back or leaked. */
  int outstanding() {
    return outstanding;
  }

  /** Chunks allocated so far. */
  int chunks() {
    return chunks.size();
  }

  /**
   * Frees every chunk whose slots are all home; later {@link #take} calls fail. Returns the
   * number of chunks kept because a slot is still out or was leaked (the kernel may read them).
   */
  int close() {
    closed = true;
    free.clear();
    int kept = 0;
    for (int i = 0; i < chunks.size(); i++) {
      NativeBuffer c = chunks.get(i);
      if (c == null) {
        continue;
      }
      if (out.get(i)[0] == 0 && !leaked.get(i)[0]) {
        c.release();
        chunks.set(i, null);
      } else {
        kept++;
      }
    }
    return kept;
  }

  private void grow() {
    int index = chunks.size();
    NativeBuffer chunk = NativeBuffer.allocate(SLOT_SIZE * SLOTS_PER_CHUNK);
    chunks.add(chunk);
    out.add(new int[1]);
    leaked.add(new boolean[1]);
    for (int i = SLOTS_PER_CHUNK - 1; i >= 0; i--) {
      free.push(new Slot(index, chunk.slice(i * SLOT_SIZE, SLOT_SIZE)));
    }
  }
}
