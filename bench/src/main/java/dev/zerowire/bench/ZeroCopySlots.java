package dev.zerowire.bench;

import dev.zerowire.nativeio.ErrorQueueHandler;
import dev.zerowire.nativeio.ExtendedError;
import dev.zerowire.nativeio.SendIds;

/**
 * A floor's zero-copy buffers ("slots") and which of them the kernel may still read: the floor's
 * whole in-flight table, fed by the socket's error queue on the sending thread itself.
 *
 * <p>What must stay true (Documentation/networking/msg_zerocopy.rst, "Notification Parsing"):
 * every successful {@code sendmsg(MSG_ZEROCOPY)} takes the socket's next 32-bit id, from 0; a
 * completion names the inclusive range {@code ee_info..ee_data} of ids the kernel no longer
 * references. A slot is handed out again only after a completion named its id. A completion that
 * names an id no slot is waiting for is an error (the bench would be counting something it did
 * not send), as is one that arrives when nothing was sent with zero copy.
 *
 * <p>Confined to one thread (the floor's). Ids are compared in serial-number arithmetic
 * ({@link SendIds}): at most {@code slots} are in flight, far below 2^31.
 */
final class ZeroCopySlots implements ErrorQueueHandler {
  private final int[] idOfSlot;
  private final boolean[] busy;
  private final int[] free;
  private int freeCount;
  private int nextId; // the id the socket's next zero-copy send takes
  private long completedIds;
  private long copiedIds;
  private long otherErrors;
  private ExtendedError firstOtherError;

  ZeroCopySlots(int slots) {
    idOfSlot = new int[slots];
    busy = new boolean[slots];
    free = new int[slots];
    for (int i = 0; i < slots; i++) {
      free[i] = slots - 1 - i; // slot 0 handed out first
    }
    freeCount = slots;
  }

  /** A free slot (its buffer is the caller's to send), or -1 when every slot awaits a completion. */
  int take() {
    return freeCount == 0 ? -1 : free[--freeCount];
  }

  /** {@code slot} was not sent after all, or was sent copied: free again at once. */
  void giveBack(int slot) {
    if (busy[slot]) {
      throw new IllegalStateException("slot " + slot + " awaits completion of id " + SendIds.toString(idOfSlot[slot]));
    }
    free[freeCount++] = slot;
  }

  /** {@code slot} went out in a successful MSG_ZEROCOPY sendmsg: it took the next id. */
  void sentZeroCopy(int slot) {
    idOfSlot[slot] = nextId;
    busy[slot] = true;
    nextId = SendIds.next(nextId);
  }

  /** Slots not free: taken and not yet given back or sent, or sent and awaiting their completion. */
  int inFlight() {
    return busy.length - freeCount;
  }

  /** Zero-copy sends taken so far (ids handed out). */
  long sentIds() {
    return Integer.toUnsignedLong(nextId);
  }

  long completedIds() {
    return completedIds;
  }

  long copiedIds() {
    return copiedIds;
  }

  long otherErrors() {
    return otherErrors;
  }

  ExtendedError firstOtherError() {
    return firstOtherError;
  }

  @Override
  public void onCompletion(int lo, int hi, boolean copied) {
    long len = SendIds.rangeLength(lo, hi);
    long matched = 0;
    for (int s = 0; s < busy.length && matched < len; s++) {
      if (busy[s] && SendIds.contains(lo, hi, idOfSlot[s])) {
        busy[s] = false;
        free[freeCount++] = s;
        matched++;
      }
    }
    if (matched != len) {
      throw new IllegalStateException("completion " + SendIds.toString(lo) + ".." + SendIds.toString(hi) + " names "
          + (len - matched) + " id(s) no buffer was waiting for (next id " + SendIds.toString(nextId) + ")");
    }
    completedIds += len;
    if (copied) {
      copiedIds += len;
    }
  }

  @Override
  public void onOtherError(ExtendedError error) {
    otherErrors++; // zerowire logs these and goes on; the floor counts them (extra.other_errors)
    if (firstOtherError == null) {
      firstOtherError = error;
    }
  }
}
