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
 * <p>Why it shrinks: a burst (many acks queued to a slow reader) grows the pool by a chunk per
 * {@value #SLOTS_PER_CHUNK} slots; without {@link #trim} those chunks would stay for the life of
 * the connection (issue 9, break 2). The owner trims on its periodic tick when idle, keeping a few
 * chunks.
 *
 * <p>What must stay true: a slot is taken for exactly one Send and comes back ({@link #give}) only
 * when that Send's outcome arrived: with MSG_ZEROCOPY the kernel reads the header after the send
 * call returned, so reusing it earlier would put another header on the wire. A slot whose Send was
 * withheld (the kernel never confirmed) is {@link #leak}ed: its chunk is never freed. A chunk is
 * freed (by {@link #trim} or {@link #close}) only when every slot of it is home. Not thread-safe:
 * one actor owns it.
 */
final class HeaderPool {

  /** Bytes per slot: a header plus up to 116 bytes of inline data (Info's 32-byte surface info). */
  static final int SLOT_SIZE = 128;
  /** Slots per chunk: one 4 KiB page. */
  static final int SLOTS_PER_CHUNK = 32;

  /** One page of slots. */
  static final class Chunk {
    final NativeBuffer memory;
    final ArrayDeque<Slot> free = new ArrayDeque<>(SLOTS_PER_CHUNK);
    int out;
    boolean leaked;
    int index; // in chunks, while it is there

    Chunk(NativeBuffer memory) {
      this.memory = memory;
    }
  }

  /** One slot: a view of {@value #SLOT_SIZE} bytes of a chunk. */
  static final class Slot {
    final Chunk chunk;
    final NativeBuffer buffer;
    private NativeBuffer header; // the first BlightHeader.SIZE bytes, made once: most frames are a bare header

    private Slot(Chunk chunk, NativeBuffer buffer) {
      this.chunk = chunk;
      this.buffer = buffer;
    }

    /** The first {@code length} bytes. The slot is reused only after its Send's outcome, so the view may be too. */
    NativeBuffer frame(int length) {
      if (length != BlightHeader.SIZE) {
        return buffer.slice(0, length);
      }
      if (header == null) {
        header = buffer.slice(0, length);
      }
      return header;
    }
  }

  private final List<Chunk> chunks = new ArrayList<>();
  /** Chunks kept only because a slot of theirs was leaked; never freed. */
  private final List<Chunk> kept = new ArrayList<>();
  private int outstanding;
  private boolean closed;
  /**
   * No chunk before this index has a free slot. Why: with a window of 1,024 messages in flight the
   * pool holds 32 chunks, and scanning them from the oldest for every header was the largest cost
   * of framing a small message (issue 10).
   */
  private int firstFree;

  /** A free slot, from the oldest chunk that has one (so newer chunks empty out and can be trimmed). */
  Slot take() {
    if (closed) {
      throw new IllegalStateException("header pool is closed");
    }
    Chunk c = null;
    for (int i = firstFree; i < chunks.size(); i++) {
      if (!chunks.get(i).free.isEmpty()) {
        c = chunks.get(i);
        break;
      }
    }
    if (c == null) {
      c = grow();
    }
    firstFree = c.index;
    Slot s = c.free.pop();
    c.out++;
    outstanding++;
    return s;
  }

  /** The Send that used {@code s} has its outcome: the slot may be reused. */
  void give(Slot s) {
    s.chunk.out--;
    outstanding--;
    if (!closed && !s.chunk.leaked) {
      s.chunk.free.push(s);
      firstFree = Math.min(firstFree, s.chunk.index);
    }
  }

  /** The kernel may still read {@code s} forever: its chunk is never freed. */
  void leak(Slot s) {
    s.chunk.out--;
    outstanding--;
    if (!s.chunk.leaked) {
      s.chunk.leaked = true;
      chunks.remove(s.chunk); // no new slots from it
      kept.add(s.chunk);
      renumber();
    }
  }

  /** After a chunk left the list: indices again, and the hint from the start. */
  private void renumber() {
    for (int i = 0; i < chunks.size(); i++) {
      chunks.get(i).index = i;
    }
    firstFree = 0;
  }

  /** Slots taken and not yet given back or leaked. */
  int outstanding() {
    return outstanding;
  }

  /** Chunks held now (in use, free or kept for a leak). */
  int chunks() {
    return chunks.size() + kept.size();
  }

  /**
   * Frees every chunk whose slots are all home, newest first, until {@code keep} chunks remain.
   * Returns the number freed.
   */
  int trim(int keep) {
    int freed = 0;
    for (int i = chunks.size() - 1; i >= 0 && chunks.size() > keep; i--) {
      Chunk c = chunks.get(i);
      if (c.out == 0) {
        chunks.remove(i);
        c.free.clear();
        c.memory.release();
        freed++;
      }
    }
    if (freed > 0) {
      renumber();
    }
    return freed;
  }

  /**
   * Frees every chunk whose slots are all home; later {@link #take} calls fail. Returns the
   * number of chunks kept because a slot is still out or was leaked (the kernel may read them).
   */
  int close() {
    closed = true;
    int keptNow = kept.size();
    for (Chunk c : chunks) {
      c.free.clear();
      if (c.out == 0) {
        c.memory.release();
      } else {
        keptNow++;
      }
    }
    chunks.clear();
    return keptNow;
  }

  private Chunk grow() {
    Chunk c = new Chunk(NativeBuffer.allocate(SLOT_SIZE * SLOTS_PER_CHUNK));
    c.index = chunks.size();
    chunks.add(c);
    for (int i = SLOTS_PER_CHUNK - 1; i >= 0; i--) {
      c.free.push(new Slot(c, c.memory.slice(i * SLOT_SIZE, SLOT_SIZE)));
    }
    return c;
  }
}
