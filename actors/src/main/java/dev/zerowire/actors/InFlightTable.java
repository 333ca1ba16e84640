package dev.zerowire.actors;

import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.SendIds;
import dev.zerowire.nativeio.SendVector;
import java.util.List;

/**
 * The zero-copy bookkeeping of one socket: its write queue and its in-flight table, in one owned
 * object (folly keeps {@code idZeroCopyBufPtrMap_} and {@code IOBufInfo} together the same way).
 * Owned and touched by the socket actor only; no locks.
 *
 * <p>Vocabulary. An <b>entry</b> is one send: the buffers of one {@code Send}, gathered in order.
 * Entries are numbered by a 64-bit sequence. A <b>send id</b> is the 32-bit number the kernel
 * gives each successful {@code sendmsg(MSG_ZEROCOPY)} call (see {@link SendIds}); one id covers
 * the contiguous bytes that call wrote, which may span part of one entry (a partial write) or many
 * entries (a gather). A <b>completion</b> {@code [lo, hi]} says the kernel is done with the pages
 * of ids lo..hi.
 *
 * <p>What must stay true:
 *
 * <ul>
 *   <li>An entry completes exactly once, and only when all its bytes were written AND every id
 *       that covered any of its bytes has completed (or it was abandoned and nothing of it is
 *       pinned). Until then its buffers belong to the kernel and the socket, never the sender.
 *   <li>Ids are recorded in the order the kernel assigned them: one per zero-copy call that wrote
 *       at least one byte, none for a call that failed or would block.
 *   <li>Completions may come coalesced, out of order, across the 2^32 wrap, or name ids nobody
 *       sent; the last are counted in {@link #unknownIds()} and change nothing.
 * </ul>
 */
final class InFlightTable {

  /** One send, from enqueue to its single outcome. */
  static final class Entry {
    final long seq;
    final List<NativeBuffer> buffers;
    final long size;
    final Object owner; // the Send message, opaque here
    long written; // bytes handed to the kernel
    int idsPending; // zero-copy ids covering this entry not yet completed
    boolean usedZeroCopy; // some bytes went with MSG_ZEROCOPY
    boolean copied; // some bytes were copied: copy-path send, or a COPIED completion
    boolean abandoned; // close/abort: the rest will never be written; the outcome is a failure
    boolean finished; // outcome decided (exactly once)
    boolean withheld; // given up on while the kernel may still hold its pages: never hand back
    long writtenNanos; // when its last byte went to the kernel: the slow-release clock starts here

    Entry(long seq, List<NativeBuffer> buffers, long size, Object owner) {
      this.seq = seq;
      this.buffers = buffers;
      this.size = size;
      this.owner = owner;
    }

    boolean fullyWritten() {
      return written == size;
    }

    /** Whether any byte may have reached the peer. */
    boolean anyWritten() {
      return written > 0;
    }
  }

  // ---- entries: a ring indexed by seq, from headSeq (oldest unfinished) to tailSeq (next new)
  private Entry[] ring = new Entry[64];
  private long headSeq;
  private long tailSeq;
  private long cursorSeq; // first entry not fully written

  // ---- ids: a ring indexed by (id - oldestId), holding the entry span each id covered
  private long[] idFirst = new long[64];
  private long[] idLast = new long[64];
  private boolean[] idDone = new boolean[64];
  private int oldestId; // oldest id not yet trimmed
  private int nextId; // the id the kernel gives the next successful zero-copy call
  private int idCount; // ids in [oldestId, nextId)

  // ---- accounting
  private long queuedBytes; // not yet written
  private long pinnedBytes; // written with zero copy, completion pending
  private int pinnedEntries;
  private long peakPinnedBytes;
  private long unknownIds;

  // ----------------------------------------------------------------------------- queue side

  /** Appends a send to the write queue. */
  Entry add(List<NativeBuffer> buffers, long size, Object owner) {
    if (tailSeq - headSeq == ring.length) {
      grow();
    }
    Entry e = new Entry(tailSeq, buffers, size, owner);
    ring[slot(tailSeq)] = e;
    tailSeq++;
    queuedBytes += size;
    return e;
  }

  /** The first entry not fully written, or null. */
  Entry nextToWrite() {
    while (cursorSeq < tailSeq) {
      Entry e = entry(cursorSeq);
      if (!e.fullyWritten() && !e.abandoned) {
        return e;
      }
      cursorSeq++;
    }
    return null;
  }

  /**
   * Fills {@code v} from the write cursor with the unwritten bytes of consecutive entries of one
   * class: all "big" (size >= threshold, to go with MSG_ZEROCOPY when {@code zeroCopy}) or all
   * small. Stops at {@code byteBudget} (exactly: the last iovec is cut short, and the entry's
   * rest goes in a later call), a full vector, or after one entry when {@code oneEntry}
   * (datagrams: one send is one datagram, so {@code byteBudget} does not apply and nothing is
   * cut). Returns true when the gathered bytes should go zero copy. The vector is empty when
   * nothing is left to write.
   */
  boolean gather(SendVector v, long byteBudget, long threshold, boolean zeroCopy, boolean oneEntry) {
    long budget = oneEntry ? Long.MAX_VALUE : byteBudget;
    v.clear();
    Entry first = nextToWrite();
    if (first == null) {
      return false;
    }
    boolean big = zeroCopy && first.size >= threshold;
    for (long seq = cursorSeq; seq < tailSeq && v.totalBytes() < budget && !v.isFull(); seq++) {
      Entry e = entry(seq);
      if (e.abandoned || e.fullyWritten()) {
        continue;
      }
      if (seq != cursorSeq && (big != (zeroCopy && e.size >= threshold) || oneEntry)) {
        break;
      }
      long skip = e.written;
      for (NativeBuffer b : e.buffers) {
        if (skip >= b.length()) {
          skip -= b.length();
          continue;
        }
        long room = budget - v.totalBytes();
        if (room <= 0 || !v.add(b.address() + skip, Math.min(b.length() - skip, room))) {
          return big;
        }
        skip = 0;
      }
    }
    return big;
  }

  /**
   * The kernel took {@code bytes} from the front of the last gather. With {@code zeroCopy} the
   * call took the next send id, which now covers every entry those bytes touched. Entries that
   * are now finished (copy path: fully written) go to {@code finished}.
   */
  void written(long bytes, boolean zeroCopy, long nowNanos, List<Entry> finished) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("written " + bytes + " bytes");
    }
    long firstSeq = -1;
    long lastSeq = -1;
    long left = bytes;
    while (left > 0) {
      Entry e = nextToWrite();
      if (e == null) {
        throw new IllegalStateException("kernel took " + left + " bytes more than were queued");
      }
      long n = Math.min(left, e.size - e.written);
      e.written += n;
      left -= n;
      queuedBytes -= n;
      if (firstSeq < 0) {
        firstSeq = e.seq;
      }
      lastSeq = e.seq;
      if (zeroCopy) {
        e.usedZeroCopy = true;
      } else {
        e.copied = true;
      }
      if (e.fullyWritten()) {
        e.writtenNanos = nowNanos;
      }
    }
    if (zeroCopy) {
      recordId(firstSeq, lastSeq);
    }
    for (long seq = firstSeq; seq <= lastSeq; seq++) {
      maybeFinish(entry(seq), finished);
    }
    trimEntries();
  }

  private void recordId(long firstSeq, long lastSeq) {
    if (idCount == idFirst.length) {
      growIds();
    }
    int k = idSlot(idCount);
    idFirst[k] = firstSeq;
    idLast[k] = lastSeq;
    idDone[k] = false;
    idCount++;
    nextId = SendIds.next(nextId);
    for (long seq = firstSeq; seq <= lastSeq; seq++) {
      Entry e = entry(seq);
      if (e.idsPending++ == 0) {
        pinnedBytes += e.size;
        pinnedEntries++;
      }
    }
    peakPinnedBytes = Math.max(peakPinnedBytes, pinnedBytes);
  }

  // ------------------------------------------------------------------------ completion side

  /**
   * Applies the completion {@code [lo, hi]}. Entries whose last pending id this was, and that are
   * fully written (or abandoned), go to {@code finished}. Returns how many ids of the range were
   * not in flight (never sent, or already completed).
   */
  long complete(int lo, int hi, boolean copied, List<Entry> finished) {
    long length = SendIds.rangeLength(lo, hi);
    long known = 0;
    if (idCount > 0) {
      int last = oldestId + idCount - 1;
      // Clamp [lo, hi] to the window [oldestId, last]; serial comparisons are valid because a
      // window never spans 2^31 ids.
      int from = SendIds.contains(lo, hi, oldestId) ? oldestId : lo;
      int to = SendIds.contains(lo, hi, last) ? last : hi;
      if (SendIds.contains(oldestId, last, from) && SendIds.contains(oldestId, last, to)
          && !SendIds.isBefore(to, from)) {
        for (int id = from; ; id = SendIds.next(id)) {
          int k = idSlot((int) SendIds.distance(oldestId, id));
          if (!idDone[k]) {
            idDone[k] = true;
            known++;
            for (long seq = idFirst[k]; seq <= idLast[k]; seq++) {
              Entry e = entry(seq);
              e.copied |= copied;
              if (--e.idsPending == 0) {
                pinnedBytes -= e.size;
                pinnedEntries--;
              }
              maybeFinish(e, finished);
            }
          }
          if (id == to) {
            break;
          }
        }
      }
      trimIds();
    }
    long unknown = length - known;
    unknownIds += unknown;
    trimEntries();
    return unknown;
  }

  private void trimIds() {
    while (idCount > 0 && idDone[idSlot(0)]) {
      oldestId = SendIds.next(oldestId);
      idCount--;
      idBase = (idBase + 1) & (idFirst.length - 1);
    }
  }

  // ------------------------------------------------------------------------------- closing

  /**
   * Close or abort: nothing more will be written. Entries never started, and partly written
   * entries with nothing pinned, finish now; partly or fully written entries with ids pending are
   * marked abandoned-or-kept and finish when their completions arrive.
   */
  void abandonUnwritten(List<Entry> finished) {
    for (long seq = cursorSeq; seq < tailSeq; seq++) {
      Entry e = entry(seq);
      if (!e.finished && !e.fullyWritten()) {
        e.abandoned = true;
        queuedBytes -= e.size - e.written;
        maybeFinish(e, finished);
      }
    }
    cursorSeq = tailSeq;
    trimEntries();
  }

  /**
   * Gives up waiting: every unfinished entry finishes now, although the kernel never confirmed
   * it was done with its pages. Only for after the socket is gone (closed fd, or a reset whose
   * completions never came): returns them so the caller reports them as such.
   */
  void forgetAll(List<Entry> finished) {
    for (long seq = headSeq; seq < tailSeq; seq++) {
      Entry e = entry(seq);
      if (!e.finished) {
        if (!e.fullyWritten()) {
          e.abandoned = true;
          queuedBytes -= e.size - e.written;
        }
        if (e.idsPending > 0) {
          pinnedBytes -= e.size;
          pinnedEntries--;
          e.idsPending = 0;
          e.withheld = true;
        }
        e.finished = true;
        finished.add(e);
      }
    }
    idCount = 0;
    oldestId = nextId;
    cursorSeq = tailSeq;
    trimEntries();
  }

  private void maybeFinish(Entry e, List<Entry> finished) {
    if (!e.finished && e.idsPending == 0 && (e.fullyWritten() || e.abandoned)) {
      e.finished = true;
      finished.add(e);
    }
  }

  private void trimEntries() {
    while (headSeq < tailSeq && entry(headSeq).finished) {
      ring[slot(headSeq)] = null;
      headSeq++;
    }
    if (cursorSeq < headSeq) {
      cursorSeq = headSeq;
    }
  }

  // ------------------------------------------------------------------------------- queries

  /** Whether anything is unwritten. */
  boolean hasUnwritten() {
    return nextToWrite() != null;
  }

  /** Whether any entry has not had its outcome. */
  boolean isEmpty() {
    return headSeq == tailSeq;
  }

  /** Unfinished entries. */
  int entries() {
    return (int) (tailSeq - headSeq);
  }

  long queuedBytes() {
    return queuedBytes;
  }

  /** Bytes of entries the kernel may still read (zero-copy ids pending). */
  long pinnedBytes() {
    return pinnedBytes;
  }

  int pinnedEntries() {
    return pinnedEntries;
  }

  long peakPinnedBytes() {
    return peakPinnedBytes;
  }

  /** The id the next successful zero-copy call takes. */
  int nextId() {
    return nextId;
  }

  long unknownIds() {
    return unknownIds;
  }

  /** For tests of the wrap: start the id sequence at {@code id} (a fresh socket starts at 0). */
  void startIdsAt(int id) {
    if (idCount != 0) {
      throw new IllegalStateException("ids in flight");
    }
    nextId = id;
    oldestId = id;
  }

  // ------------------------------------------------------------------------------- rings

  private int idBase; // slot of oldestId

  private int idSlot(int offset) {
    return (idBase + offset) & (idFirst.length - 1);
  }

  private void growIds() {
    int n = idFirst.length;
    long[] f = new long[n * 2];
    long[] l = new long[n * 2];
    boolean[] d = new boolean[n * 2];
    for (int i = 0; i < idCount; i++) {
      int k = idSlot(i);
      f[i] = idFirst[k];
      l[i] = idLast[k];
      d[i] = idDone[k];
    }
    idFirst = f;
    idLast = l;
    idDone = d;
    idBase = 0;
  }

  private Entry entry(long seq) {
    return ring[slot(seq)];
  }

  private int slot(long seq) {
    return (int) (seq & (ring.length - 1));
  }

  private void grow() {
    Entry[] bigger = new Entry[ring.length * 2];
    for (long seq = headSeq; seq < tailSeq; seq++) {
      bigger[(int) (seq & (bigger.length - 1))] = ring[slot(seq)];
    }
    ring = bigger;
  }
}
