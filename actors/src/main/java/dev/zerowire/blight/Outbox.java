package dev.zerowire.blight;

import dev.zerowire.actors.SocketOptions;
import dev.zerowire.actors.SocketProtocol;
import dev.zerowire.actors.SocketProtocol.Failed;
import dev.zerowire.actors.SocketProtocol.Send;
import dev.zerowire.actors.SocketProtocol.SendOutcome;
import dev.zerowire.actors.SocketProtocol.Sends;
import dev.zerowire.actors.VirtualThreadPerTask;
import dev.zerowire.nativeio.NativeBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The outgoing side of one blight connection, owned by its connection actor: frames each message
 * (a header from the {@link HeaderPool}, optional inline data, optional caller payload) into one
 * {@link Send} of at most two buffers, keeps what is in flight until its outcome, and holds back
 * messages while more than the socket's queue bound is outstanding.
 *
 * <p>Why hold back: the socket refuses a Send past its queue bounds (NO_ROOM) and accepts later
 * ones again after {@code WritingResumed}; a refused message resent after a later one was accepted
 * would leave out of order. Keeping the bytes and the Sends outstanding here (sent, no outcome
 * yet) at or below the socket's bounds means the socket's queue (a subset of them) can never pass
 * them, so no Send is ever refused for room and the wire order is the submit order.
 *
 * <p>Writes leave at {@link #flush}: every Send written since the last flush goes to the socket
 * in one message (a {@link Sends} when there are several), so a batch of requests, or the acks
 * of one chunk of pipelined messages, costs the socket one mailbox hop instead of one each (issue
 * 10); a batch of more than {@link #HAND_OFF_AT} leaves in pieces of that many, each as soon as
 * it is framed. The owner flushes before each of its handlers returns, and tells the socket
 * anything else (Close, Abort, ResumeReading) through {@link #tell}, which flushes first, so
 * nothing overtakes a write.
 *
 * <p>What must stay true: messages are written to the socket in submit order; every submitted
 * message comes back exactly once, from {@link #complete} (its outcome), {@link #takeHeld} or
 * {@link #socketGone}; a header slot returns to the pool only with its Send's outcome.
 */
final class Outbox {

  /** One message from submit to outcome. */
  static final class Pending {
    final long seq;
    final BlightHeader header;
    final byte[] inline;
    final NativeBuffer payload;
    final Object tag;
    final long size;
    HeaderPool.Slot slot;
    NativeBuffer head; // the Send's first buffer (header and inline data), once written
    NativeBuffer own; // a frame buffer of its own when header + inline data exceed a slot

    private Pending(long seq, BlightHeader header, byte[] inline, NativeBuffer payload, Object tag) {
      this.seq = seq;
      this.header = header;
      this.inline = inline;
      this.payload = payload;
      this.tag = tag;
      this.size = BlightHeader.SIZE + (inline == null ? 0 : inline.length)
          + (payload == null ? 0 : payload.length());
    }
  }

  /**
   * Sends told to the socket in one message at most: a batch of more leaves in pieces of this
   * many as they are framed. A piece of this size hands the rest of the owner's run off
   * ({@link VirtualThreadPerTask#handOffFromNowOn}): the socket gathers and writes it on another
   * core while the owner frames the next piece and goes on with its mailbox, instead of after
   * the owner's run on the same thread. A thread start and perhaps a wake, paid once per 64
   * messages or more. Measured with the socket's early outcomes (SocketActor.RELEASE_EARLY_AT),
   * `./zerowire bench --reps 5 --seconds 1 --warmup 1 --only small-messages --impl
   * zerowire-blight`: the hand-off of a whole batch took small messages over Unix from 4.4-4.6 M
   * to 5.6-6.0 M msg/s (either change alone: 4.4 and 4.8-5.0 M; 16 and 256 the same as 64), and
   * pieces of 64 instead of the whole batch to 6.05-6.15 M against 5.84 M (pieces of 128: 5.9 M,
   * 256: 5.5 M).
   */
  static final int HAND_OFF_AT = 64;

  /** Header chunks kept when the outbox goes idle: one page serves 32 messages in flight. */
  static final int IDLE_CHUNKS = 1;

  private final ActorRef<SocketProtocol.Command> socket;
  private final ActorRef<SocketProtocol.SendReply> replies;
  private final long maxOutstandingBytes;
  private final int maxOutstandingSends;
  private final HeaderPool pool = new HeaderPool();
  private final byte[] scratch = new byte[HeaderPool.SLOT_SIZE]; // a frame is built here, then put in its slot
  private final SeqRing<Pending> inFlight = new SeqRing<>(); // written in seq order (held keeps it)
  private final ArrayDeque<Pending> held = new ArrayDeque<>();
  private final ArrayList<Send> unsent = new ArrayList<>(); // written, not yet told: see flush
  private long outstandingBytes;
  private long nextSeq = 1;
  private boolean gone;

  /** Holds back at the socket's queue bounds ({@code SocketOptions.maxQueuedBytes} and {@code maxQueuedSends}). */
  Outbox(ActorRef<SocketProtocol.Command> socket, ActorRef<SocketProtocol.SendReply> replies, SocketOptions bounds) {
    this.socket = socket;
    this.replies = replies;
    this.maxOutstandingBytes = bounds.maxQueuedBytes();
    this.maxOutstandingSends = bounds.maxQueuedSends();
  }

  /**
   * Frames one message to leave at the next {@link #flush}, or holds it until the outstanding
   * bytes allow.
   *
   * @param inline  bytes framed right after the header in the header's own buffer (ack data), or null
   * @param payload the caller's buffer sent after the header, or null; it comes back with the outcome
   * @param tag     what the owner needs to route the outcome
   */
  void submit(BlightHeader header, byte[] inline, NativeBuffer payload, Object tag) {
    if (gone) {
      throw new IllegalStateException("submit after the socket is gone");
    }
    Pending p = new Pending(nextSeq++, header, inline, payload, tag);
    if (!held.isEmpty() || !fits(p)) {
      held.add(p);
      return;
    }
    write(p);
  }

  private boolean fits(Pending p) {
    return inFlight.isEmpty()
        || outstandingBytes + p.size <= maxOutstandingBytes && inFlight.size() < maxOutstandingSends;
  }

  private void write(Pending p) {
    int inlineLength = p.inline == null ? 0 : p.inline.length;
    int frameLength = BlightHeader.SIZE + inlineLength;
    byte[] frame = frameLength <= scratch.length ? scratch : new byte[frameLength]; // copied out below
    p.header.encode(frame, 0);
    if (inlineLength > 0) {
      System.arraycopy(p.inline, 0, frame, BlightHeader.SIZE, inlineLength);
    }
    NativeBuffer head;
    if (frameLength <= HeaderPool.SLOT_SIZE) {
      p.slot = pool.take();
      head = p.slot.frame(frameLength);
    } else {
      p.own = NativeBuffer.allocate(frameLength);
      head = p.own;
    }
    head.put(0, frame, 0, frameLength);
    p.head = head;
    List<NativeBuffer> buffers = p.payload == null || p.payload.length() == 0
        ? List.of(head) : List.of(head, p.payload);
    inFlight.add(p.seq, p);
    outstandingBytes += p.size;
    unsent.add(Send.batched(buffers, p.seq, replies)); // the owner takes SendOutcomes too
    if (unsent.size() == HAND_OFF_AT) {
      flush(); // a big batch leaves in pieces: the socket writes this one while we frame the next
    }
  }

  /** Tells the socket every Send written since the last flush: one alone, several in one {@link Sends}. */
  void flush() {
    int n = unsent.size();
    if (n == 0) {
      return;
    }
    if (n >= HAND_OFF_AT) {
      VirtualThreadPerTask.handOffFromNowOn(); // the socket writes them beside us, not after our run
    }
    socket.tell(n == 1 ? unsent.get(0) : new Sends(unsent));
    unsent.clear();
  }

  /** Tells the socket {@code command} after what was written (flushes first). */
  void tell(SocketProtocol.Command command) {
    flush();
    socket.tell(command);
  }

  /**
   * The outcome of one of our Sends: returns its message (header memory back in the pool, or kept
   * forever when withheld), and writes held messages that now fit (they leave at the next flush).
   * Null for an unknown outcome.
   */
  Pending complete(SendOutcome o) {
    Pending p = inFlight.remove(o.correlationId());
    if (p == null) {
      return null;
    }
    outstandingBytes -= p.size;
    recycle(p, o instanceof Failed f && f.withheld());
    pump();
    return p;
  }

  /**
   * Whether {@code o} is the outcome of one of our Sends still in flight: a message under its
   * correlation id whose header buffer is the Send's first. For outcomes that may be another
   * outbox's ({@link OrphanedRequests} is given every outcome told to a stopped client's adapter).
   */
  boolean owns(SendOutcome o) {
    Pending p = inFlight.get(o.correlationId());
    return p != null && !o.buffers().isEmpty() && o.buffers().get(0) == p.head;
  }

  /**
   * Frees the header memory of a burst that has drained, keeping {@link #IDLE_CHUNKS}. The owner
   * calls it on its periodic tick, so a burst's pages go back within one tick of the outbox going
   * idle. Not at every idle moment: a steady stream of batches goes idle between batches, and
   * freeing and allocating the pages each time cost more than the rest of the outbox (HeaderPool
   * growth, malloc and page faults, ~4 % of a small-messages profile; issue 10).
   */
  void trimIfIdle() {
    if (idle()) {
      pool.trim(IDLE_CHUNKS);
    }
  }

  private void pump() {
    while (!gone && !held.isEmpty() && fits(held.peek())) {
      write(held.poll());
    }
  }

  private void recycle(Pending p, boolean withheld) {
    if (p.slot != null) {
      if (withheld) {
        pool.leak(p.slot);
      } else {
        pool.give(p.slot);
      }
      p.slot = null;
    }
    if (p.own != null) {
      if (!withheld) {
        p.own.release();
      }
      p.own = null;
    }
  }

  /** Takes every held (never written) message out, in order: the owner gives them their outcome. */
  List<Pending> takeHeld() {
    List<Pending> l = new ArrayList<>(held);
    held.clear();
    return l;
  }

  /**
   * The socket actor has stopped ({@code Closed} arrived). A socket gives every Send it took its
   * outcome before it sends Closed, so a Send still without one never reached it (it went to
   * dead letters): its buffers were never given to the kernel. Returns those messages and the
   * held ones, in order; nothing may be submitted afterwards. With {@code kernelMayHold} (the
   * socket stopped and no Closed came: what it did with them is unknown) their header slots are
   * leaked instead of reused.
   */
  List<Pending> socketGone(boolean kernelMayHold) {
    gone = true;
    unsent.clear(); // in flight below: never told, so never the kernel's
    List<Pending> l = inFlight.values(); // oldest first
    for (Pending p : l) {
      recycle(p, kernelMayHold);
    }
    inFlight.clear();
    outstandingBytes = 0;
    l.addAll(takeHeld());
    return l;
  }

  /** Nothing in flight and nothing held. */
  boolean idle() {
    return inFlight.isEmpty() && held.isEmpty();
  }

  /** Messages held back, not yet written. */
  boolean hasHeld() {
    return !held.isEmpty();
  }

  /** Messages submitted and without outcome yet: in flight plus held. */
  int pending() {
    return inFlight.size() + held.size();
  }

  /** Header chunks the pool holds now. */
  int headerChunks() {
    return pool.chunks();
  }

  /** Messages written and waiting for their outcome. */
  int inFlight() {
    return inFlight.size();
  }

  /** Frees the header memory; returns the number of chunks kept because the kernel may still read them. */
  int close() {
    return pool.close();
  }
}
