package dev.zerowire.streams;

import dev.zerowire.nativeio.NativeBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The outbound bookkeeping of one connection stage: which Sends (by correlation id, one buffer
 * each) wait for their outcome, which were refused for room and wait to be sent again, and how
 * many bytes all of them hold. Owned by the stage; nothing else touches it.
 *
 * <h2>Why the byte bound keeps the socket from refusing</h2>
 *
 * The socket refuses a Send (NO_ROOM) when its queued-but-unwritten bytes plus the Send's would
 * pass {@code maxQueuedBytes}, and from then on refuses every Send until it sends
 * WritingResumed. Those bytes are a subset of the bytes in Sends without an outcome, which this
 * window bounds; with the bound at most {@code maxQueuedBytes} no Send of ours is ever refused
 * for room. That matters for order: a Writable between two Sends in the socket's mailbox can end
 * the refusing episode, so Send k can be refused and Send k+1, already on its way, accepted,
 * putting its bytes on the wire before k's. Nothing can undo that afterwards.
 *
 * <h2>If a refusal comes all the same</h2>
 *
 * The refused buffer (never touched by the socket) stays ours and waits here in id order, no
 * new Send goes out, and once WritingResumed has arrived and every Send after the first refused
 * one has its outcome, the refused ones go again, the same buffers with the same ids, in order.
 * A Send accepted after an earlier one was refused is reported as an error ({@link
 * IllegalStateException}): the stream's bytes were reordered.
 */
final class WriteWindow {
  private final int maxSends;
  private final long maxBytes;
  private final TreeMap<Long, NativeBuffer> inFlight = new TreeMap<>(); // sent, no outcome yet
  private final TreeMap<Long, NativeBuffer> refused = new TreeMap<>(); // NO_ROOM: ours, to send again
  private long bytes; // in both maps
  private long nextId = 1;
  private boolean resumed; // WritingResumed arrived after the latest refusal

  WriteWindow(int maxSends, long maxBytes) {
    this.maxSends = maxSends;
    this.maxBytes = maxBytes;
  }

  /** Whether there is room for more: the stage may pull its upstream. */
  boolean hasRoom() {
    return refused.isEmpty() && inFlight.size() < maxSends && bytes < maxBytes;
  }

  /** Whether a Send of {@code size} bytes may go now (always, when nothing is in flight). */
  boolean canSend(int size) {
    return refused.isEmpty() && inFlight.size() < maxSends && (inFlight.isEmpty() || bytes + size <= maxBytes);
  }

  /** Records a Send of {@code buffer}; returns its correlation id. */
  long add(NativeBuffer buffer) {
    long id = nextId++;
    inFlight.put(id, buffer);
    bytes += buffer.length();
    return id;
  }

  /**
   * The Send's outcome (Released, Failed, or a refusal other than for room) arrived: it leaves the
   * window. Returns its buffer, or null for an id the window does not hold.
   *
   * @throws IllegalStateException when it was written while an earlier Send waits to be sent again
   */
  NativeBuffer settle(long id, boolean written) {
    NativeBuffer b = inFlight.remove(id);
    if (b == null) {
      return null;
    }
    bytes -= b.length();
    if (written && !refused.isEmpty() && refused.firstKey() < id) {
      throw new IllegalStateException("send " + id + " was written while send " + refused.firstKey()
          + " waited after a NO_ROOM refusal: the stream's bytes were reordered");
    }
    return b;
  }

  /** The Send was refused for room: its buffer waits here until it can go again. */
  void refusedForRoom(long id) {
    NativeBuffer b = inFlight.remove(id);
    if (b != null) {
      refused.put(id, b);
      resumed = false;
    }
  }

  /** WritingResumed arrived. */
  void writingResumed() {
    resumed = true;
  }

  /**
   * The refused Sends to send again now, in order (moved back in flight with their ids), or an
   * empty map while WritingResumed or an outcome of a later Send is still missing.
   */
  Map<Long, NativeBuffer> takeResendable() {
    if (refused.isEmpty() || !resumed || (!inFlight.isEmpty() && inFlight.lastKey() > refused.firstKey())) {
      return Map.of();
    }
    TreeMap<Long, NativeBuffer> again = new TreeMap<>(refused);
    refused.clear();
    inFlight.putAll(again);
    return again;
  }

  /** Whether refused Sends wait to be sent again. */
  boolean hasRefused() {
    return !refused.isEmpty();
  }

  int inFlightSends() {
    return inFlight.size();
  }

  long bytes() {
    return bytes;
  }

  boolean isEmpty() {
    return inFlight.isEmpty() && refused.isEmpty();
  }

  /** Takes the buffers waiting to be sent again (ours: the socket never touched them). */
  List<NativeBuffer> takeRefused() {
    List<NativeBuffer> out = new ArrayList<>(refused.values());
    for (NativeBuffer b : out) {
      bytes -= b.length();
    }
    refused.clear();
    return out;
  }

  /** Takes every Send still without an outcome, by id. */
  Map<Long, NativeBuffer> takeInFlight() {
    TreeMap<Long, NativeBuffer> out = new TreeMap<>(inFlight);
    for (NativeBuffer b : out.values()) {
      bytes -= b.length();
    }
    inFlight.clear();
    return out;
  }
}
