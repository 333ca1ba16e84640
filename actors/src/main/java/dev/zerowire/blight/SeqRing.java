package dev.zerowire.blight;

import java.util.ArrayList;
import java.util.List;

/**
 * Values keyed by a rising sequence number, added in order and removed in any order: the
 * {@link Outbox}'s messages in flight. A ring indexed by {@code seq & mask} instead of a
 * {@code HashMap<Long, ...>}: no boxed key and no map node per message (the JFR allocation profile
 * of small messages put the two at 12 % of the bytes allocated per message; issue 10).
 *
 * <p>What must stay true: {@link #add} takes a sequence number above every one added before; the
 * ring spans from the oldest value still present to the newest, growing (doubling) when a value
 * would land on a slot still in use, so a value that stays long never blocks the ones after it.
 * Memory is bounded by that span, which the Outbox bounds by its outstanding bytes.
 */
final class SeqRing<T> {
  private Object[] slots = new Object[64];
  private long first; // the oldest sequence number that may still be present
  private long end; // one past the newest added
  private int size;

  /** Adds {@code value} under {@code seq}, which must exceed every sequence number added before. */
  void add(long seq, T value) {
    if (size > 0 && seq < end) {
      throw new IllegalArgumentException("sequence " + seq + " is not above " + (end - 1));
    }
    if (size == 0) {
      first = seq;
    }
    while (seq - first >= slots.length) {
      grow();
    }
    slots[index(seq)] = value;
    end = seq + 1;
    size++;
  }

  /** The value under {@code seq}, or null when there is none. */
  @SuppressWarnings("unchecked")
  T get(long seq) {
    return size == 0 || seq < first || seq >= end ? null : (T) slots[index(seq)];
  }

  /** Removes and returns the value under {@code seq}, or null when there is none. */
  @SuppressWarnings("unchecked")
  T remove(long seq) {
    if (size == 0 || seq < first || seq >= end) {
      return null;
    }
    int i = index(seq);
    T v = (T) slots[i];
    if (v == null) {
      return null;
    }
    slots[i] = null;
    size--;
    while (first < end && slots[index(first)] == null) {
      first++;
    }
    return v;
  }

  /** The values present, oldest first. */
  @SuppressWarnings("unchecked")
  List<T> values() {
    List<T> l = new ArrayList<>(size);
    for (long s = first; s < end && l.size() < size; s++) {
      Object v = slots[index(s)];
      if (v != null) {
        l.add((T) v);
      }
    }
    return l;
  }

  /** Removes everything. */
  void clear() {
    java.util.Arrays.fill(slots, null);
    size = 0;
    first = end;
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  private int index(long seq) {
    return (int) (seq & (slots.length - 1));
  }

  private void grow() {
    Object[] old = slots;
    int oldMask = old.length - 1;
    slots = new Object[old.length * 2];
    for (long s = first; s < end; s++) {
      slots[index(s)] = old[(int) (s & oldMask)];
    }
  }
}
