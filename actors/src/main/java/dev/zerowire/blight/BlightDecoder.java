package dev.zerowire.blight;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Streaming, incremental decoder of one connection's blight byte stream.
 *
 * <p>Why: a socket hands over bytes in arbitrary pieces — a header can arrive split over several
 * reads, and one read can hold many messages. {@link #feed(ByteBuffer)} accepts any piece, keeps
 * what is incomplete, and hands every complete message to the sink as a {@link BlightFrame}, in
 * stream order, synchronously on the calling thread.
 *
 * <p>Memory: a header's size is only a claim. The decoder never allocates more payload memory
 * than has arrived plus one piece ({@link #DEFAULT_PIECE_SIZE} unless given): a payload that is
 * complete in the chunk at hand is allocated whole; any other payload is received into pieces
 * that are allocated as its bytes arrive and joined into one array when the last byte is in.
 * Each piece is reserved in a {@link PayloadBudget} (shared by a server's connections) before it
 * is allocated. When the budget refuses, {@link #feed} stops early and leaves the rest of the
 * chunk unconsumed ({@link #starved()}); the owner feeds it again later (e.g. once other
 * connections gave memory back), and stops reading from that peer meanwhile.
 *
 * <p>What must stay true:
 * <ul>
 *   <li>How the stream is cut into chunks, and where feeding pauses for the budget, never changes
 *       which frames come out, nor which error.</li>
 *   <li>Each header is validated ({@link BlightHeader#problem(long)}) the moment its 12th byte
 *       arrives, before any payload memory is allocated; a size above the maximum is refused
 *       without allocating.</li>
 *   <li>Every budget reservation is released exactly once: when its message is delivered (unless
 *       the sink took it over during the delivery: {@link #takeDeliveredReservation()}), when the
 *       decoder fails or the stream ends, or at {@link #abandon()}.</li>
 *   <li>A protocol fault throws one {@link BlightProtocolException}; the decoder is then failed and
 *       every later {@link #feed} or {@link #endOfStream()} throws that same exception instance.</li>
 *   <li>{@link #endOfStream()} reports a stream cut mid-message as {@link
 *       BlightProtocolException.Fault#TRUNCATED}; at a message boundary it returns quietly.</li>
 * </ul>
 * Not thread-safe, and the sink must not call back into the same decoder.
 */
public final class BlightDecoder {

    /** Payload memory is allocated in pieces of this many bytes (one socket read's worth). */
    public static final int DEFAULT_PIECE_SIZE = 64 * 1024;

    private static final byte[] EMPTY = new byte[0];

    private final long maxPayloadSize;
    private final PayloadBudget budget;
    private final int pieceSize;
    private final Consumer<? super BlightFrame> sink;

    private final byte[] headerBytes = new byte[BlightHeader.SIZE];
    private int headerFill;
    /** Non-null while the payload of this header is being read. */
    private BlightHeader current;
    /** The pieces of the current payload; the last one may be partly filled. */
    private final ArrayList<byte[]> pieces = new ArrayList<>();
    private int pieceFill;
    private long payloadFill;
    /** Bytes of the budget held for the current payload. */
    private long reserved;
    /** Payloads complete in their chunk are reserved too ({@link #reserveEveryPayload()}). */
    private boolean reserveComplete;
    /** The reservation of the payload being delivered, until the sink takes it or the delivery ends. */
    private long deliveredReservation;
    private boolean starved;
    private boolean pauseRequested;
    private boolean paused;

    private BlightProtocolException failure;
    private boolean ended;
    private boolean delivering;

    private long bytesConsumed;
    private long bytesDecoded;
    private long messagesDecoded;

    /** A decoder with the default maximum payload size of 64 MiB and no budget. */
    public BlightDecoder(Consumer<? super BlightFrame> sink) {
        this(BlightWire.DEFAULT_MAX_PAYLOAD_SIZE, sink);
    }

    /**
     * A decoder without a budget (it still allocates only as bytes arrive).
     *
     * @param maxPayloadSize largest header size accepted, 0..{@link BlightWire#MAX_ARRAY_SIZE}
     * @param sink           receives each complete frame
     */
    public BlightDecoder(long maxPayloadSize, Consumer<? super BlightFrame> sink) {
        this(maxPayloadSize, PayloadBudget.unlimited(), DEFAULT_PIECE_SIZE, sink);
    }

    /**
     * @param maxPayloadSize largest header size accepted, 0..{@link BlightWire#MAX_ARRAY_SIZE}
     * @param budget         where payload pieces are reserved before they are allocated
     * @param pieceSize      bytes per payload piece, at least 1
     * @param sink           receives each complete frame
     */
    public BlightDecoder(long maxPayloadSize, PayloadBudget budget, int pieceSize,
                         Consumer<? super BlightFrame> sink) {
        if (maxPayloadSize < 0 || maxPayloadSize > BlightWire.MAX_ARRAY_SIZE) {
            throw new IllegalArgumentException("maximum payload size " + maxPayloadSize
                    + " must be between 0 and " + BlightWire.MAX_ARRAY_SIZE);
        }
        if (pieceSize < 1) {
            throw new IllegalArgumentException("piece size must be at least 1, was " + pieceSize);
        }
        this.maxPayloadSize = maxPayloadSize;
        this.budget = Objects.requireNonNull(budget, "budget");
        this.pieceSize = pieceSize;
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    /**
     * Consumes the bytes of {@code chunk} and delivers each message completed by them. Normally
     * every byte is consumed (the position ends at the limit); when the budget refuses payload
     * memory it stops early, {@link #starved()} turns true, and the position is left at the first
     * byte not taken: feed the rest again later. If the sink throws, the exception propagates and
     * the chunk's position is left just past the delivered message, so feeding the rest later
     * loses nothing.
     *
     * @throws BlightProtocolException on a protocol fault, or if the decoder already failed
     * @throws IllegalStateException   after {@link #endOfStream()}, or if called from the sink
     */
    public void feed(ByteBuffer chunk) {
        checkUsable();
        starved = false;
        paused = false;
        pauseRequested = false;
        while (chunk.hasRemaining()) {
            if (pauseRequested) {
                pauseRequested = false;
                paused = true;
                return;
            }
            if (current == null) {
                int n = Math.min(BlightHeader.SIZE - headerFill, chunk.remaining());
                chunk.get(headerBytes, headerFill, n);
                headerFill += n;
                bytesConsumed += n;
                if (headerFill < BlightHeader.SIZE) {
                    return;
                }
                headerFill = 0;
                BlightHeader h = BlightHeader.decode(headerBytes, 0);
                BlightProtocolException problem = h.problem(maxPayloadSize);
                if (problem != null) {
                    failure = problem;
                    throw problem;
                }
                if (h.size() == 0) {
                    deliver(h, EMPTY, 0);
                } else if (chunk.remaining() >= h.size() && (!reserveComplete || budget.tryReserve(h.size()))) {
                    // Complete already: allocated whole and delivered at once, never held partly.
                    byte[] p = new byte[h.size()];
                    chunk.get(p);
                    bytesConsumed += p.length;
                    deliver(h, p, reserveComplete ? h.size() : 0);
                } else { // arriving, or refused by the budget: taken piece by piece, as the budget allows
                    current = h;
                    payloadFill = 0;
                    pieceFill = 0;
                }
            } else if (!takePayload(chunk)) {
                starved = true;
                return;
            }
        }
    }

    /** Moves payload bytes of the current message from {@code chunk}; false if the budget refused. */
    private boolean takePayload(ByteBuffer chunk) {
        byte[] piece = pieces.isEmpty() ? null : pieces.get(pieces.size() - 1);
        if (piece == null || pieceFill == piece.length) {
            int want = (int) Math.min(pieceSize, current.size() - payloadFill);
            if (!budget.tryReserve(want)) {
                return false;
            }
            reserved += want;
            piece = new byte[want];
            pieces.add(piece);
            pieceFill = 0;
        }
        int n = Math.min(piece.length - pieceFill, chunk.remaining());
        chunk.get(piece, pieceFill, n);
        pieceFill += n;
        payloadFill += n;
        bytesConsumed += n;
        if (payloadFill == current.size()) {
            BlightHeader h = current;
            byte[] p = join();
            long r = reserved;
            reserved = 0; // travels with the delivery now
            forgetPayload();
            deliver(h, p, r);
        }
        return true;
    }

    /** The pieces as one array (the only piece itself when there is one). */
    private byte[] join() {
        if (pieces.size() == 1) {
            return pieces.get(0);
        }
        byte[] p = new byte[current.size()];
        int at = 0;
        for (byte[] piece : pieces) {
            System.arraycopy(piece, 0, p, at, piece.length);
            at += piece.length;
        }
        return p;
    }

    /** Drops the partial payload and gives its reservation back. */
    private void forgetPayload() {
        current = null;
        pieces.clear();
        pieceFill = 0;
        payloadFill = 0;
        if (reserved > 0) {
            budget.release(reserved);
            reserved = 0;
        }
    }

    /** {@link #feed(ByteBuffer)} over {@code len} bytes of {@code b} from {@code off}. */
    public void feed(byte[] b, int off, int len) {
        feed(ByteBuffer.wrap(b, off, len));
    }

    /** {@link #feed(ByteBuffer)} over all of {@code b}. */
    public void feed(byte[] b) {
        feed(ByteBuffer.wrap(b));
    }

    /**
     * Declares that no more bytes will come. Returns quietly at a message boundary; otherwise the
     * decoder fails with {@link BlightProtocolException.Fault#TRUNCATED}. Calling it again repeats
     * the same outcome.
     *
     * @throws BlightProtocolException if the stream was cut mid-message, or the decoder already failed
     */
    public void endOfStream() {
        if (failure != null) {
            throw failure;
        }
        if (delivering) {
            throw new IllegalStateException("the sink must not call back into its decoder");
        }
        ended = true;
        if (current != null) {
            failure = new BlightProtocolException(BlightProtocolException.Fault.TRUNCATED, current,
                    "stream ended mid-message: " + payloadFill + " of " + current.size()
                            + " payload bytes of " + current.knownType().wireName()
                            + " ackid " + current.ackidUnsigned());
        } else if (headerFill > 0) {
            failure = new BlightProtocolException(BlightProtocolException.Fault.TRUNCATED, null,
                    "stream ended mid-message: " + headerFill + " of " + BlightHeader.SIZE + " header bytes");
        }
        if (failure != null) {
            forgetPayload(); // let a large partial payload be collected, and its budget reused
            throw failure;
        }
    }

    /**
     * The connection is gone: drops a partial message and gives its budget back. Safe to call
     * in any state and more than once; the decoder takes no bytes afterwards.
     */
    public void abandon() {
        forgetPayload();
        headerFill = 0;
        ended = true;
    }

    private void checkUsable() {
        if (failure != null) {
            throw failure;
        }
        if (delivering) {
            throw new IllegalStateException("the sink must not call back into its decoder");
        }
        if (ended) {
            throw new IllegalStateException("feed after endOfStream");
        }
    }

    /** Hands {@code p} to the sink; {@code reservation} is released after, unless the sink took it. */
    private void deliver(BlightHeader h, byte[] p, long reservation) {
        messagesDecoded++;
        bytesDecoded += BlightHeader.SIZE + p.length;
        BlightFrame frame = new BlightFrame(h, p);
        delivering = true;
        deliveredReservation = reservation;
        try {
            sink.accept(frame);
        } finally {
            delivering = false;
            if (deliveredReservation > 0) {
                budget.release(deliveredReservation);
                deliveredReservation = 0;
            }
        }
    }

    /**
     * From now on, payloads complete in the chunk at hand are reserved in the budget too (before
     * they are allocated; a refusal starves the decoder as for any other payload), so that every
     * payload delivered carries a reservation the sink can keep ({@link
     * #takeDeliveredReservation()}). For a sink that holds payloads after the delivery returns: a
     * server whose handler actor answers later.
     */
    public void reserveEveryPayload() {
        reserveComplete = true;
    }

    /**
     * Called by the sink while a frame is delivered: the budget bytes reserved for its payload
     * (0 if none), which the caller now owns and must {@linkplain PayloadBudget#release release}
     * exactly once. Without this call they are released when the delivery returns.
     */
    public long takeDeliveredReservation() {
        if (!delivering) {
            throw new IllegalStateException("only the sink, while a frame is delivered, may take its reservation");
        }
        long r = deliveredReservation;
        deliveredReservation = 0;
        return r;
    }

    /** The maximum payload size this decoder accepts. */
    public long maxPayloadSize() {
        return maxPayloadSize;
    }

    /** Every byte taken from the chunks so far, including those of an incomplete message. */
    public long bytesConsumed() {
        return bytesConsumed;
    }

    /** Bytes (headers and payloads) of the messages delivered so far. */
    public long bytesDecoded() {
        return bytesDecoded;
    }

    /** Number of messages delivered so far. */
    public long messagesDecoded() {
        return messagesDecoded;
    }

    /** Whether no message is partly read (so the stream may end here). */
    public boolean atMessageBoundary() {
        return current == null && headerFill == 0;
    }

    /**
     * Called by the sink: {@link #feed} returns right after the message being delivered, leaving
     * the rest of the chunk unconsumed ({@link #paused()}). Why: the owner may have all the work
     * it is allowed to hold (e.g. replies it owes), and a chunk can hold thousands of messages.
     */
    public void pauseAfterThisMessage() {
        if (!delivering) {
            throw new IllegalStateException("only the sink may pause its decoder");
        }
        pauseRequested = true;
    }

    /** Whether the last {@link #feed} stopped early because the sink asked it to pause. */
    public boolean paused() {
        return paused;
    }

    /** Whether the last {@link #feed} stopped early because the budget refused payload memory. */
    public boolean starved() {
        return starved;
    }

    /** Payload bytes of the current, incomplete message received so far (0 at a boundary). */
    public long partialPayloadBytes() {
        return payloadFill;
    }

    /** The header whose payload is being received, or null. */
    public BlightHeader partialHeader() {
        return current;
    }

    /** Bytes of payload memory this decoder holds reserved in its budget. */
    public long reservedBytes() {
        return reserved;
    }

    /** Whether a protocol fault has stopped this decoder. */
    public boolean failed() {
        return failure != null;
    }

    /** The fault that stopped this decoder, or {@code null}. */
    public BlightProtocolException failure() {
        return failure;
    }
}
