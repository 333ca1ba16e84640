package dev.zerowire.blight;

import java.nio.ByteBuffer;
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
 * <p>What must stay true:
 * <ul>
 *   <li>How the stream is cut into chunks never changes which frames come out, nor which error.</li>
 *   <li>Each header is validated ({@link BlightHeader#problem(long)}) the moment its 12th byte
 *       arrives, before any payload memory is allocated; a size above the maximum is refused
 *       without allocating.</li>
 *   <li>A protocol fault throws one {@link BlightProtocolException}; the decoder is then failed and
 *       every later {@link #feed} or {@link #endOfStream()} throws that same exception instance.</li>
 *   <li>{@link #endOfStream()} reports a stream cut mid-message as {@link
 *       BlightProtocolException.Fault#TRUNCATED}; at a message boundary it returns quietly.</li>
 * </ul>
 * Payload memory for a message is allocated once its header is valid, so a peer can make the
 * decoder hold up to the maximum per connection; choose the maximum accordingly. Not thread-safe,
 * and the sink must not call back into the same decoder.
 */
public final class BlightDecoder {

    private static final byte[] EMPTY = new byte[0];

    private final long maxPayloadSize;
    private final Consumer<? super BlightFrame> sink;

    private final byte[] headerBytes = new byte[BlightHeader.SIZE];
    private int headerFill;
    /** Non-null while the payload of this header is being read. */
    private BlightHeader current;
    private byte[] payload;
    private int payloadFill;

    private BlightProtocolException failure;
    private boolean ended;
    private boolean delivering;

    private long bytesConsumed;
    private long bytesDecoded;
    private long messagesDecoded;

    /** A decoder with the default maximum payload size of 64 MiB. */
    public BlightDecoder(Consumer<? super BlightFrame> sink) {
        this(BlightWire.DEFAULT_MAX_PAYLOAD_SIZE, sink);
    }

    /**
     * @param maxPayloadSize largest header size accepted, 0..{@link BlightWire#MAX_ARRAY_SIZE}
     * @param sink           receives each complete frame
     */
    public BlightDecoder(long maxPayloadSize, Consumer<? super BlightFrame> sink) {
        if (maxPayloadSize < 0 || maxPayloadSize > BlightWire.MAX_ARRAY_SIZE) {
            throw new IllegalArgumentException("maximum payload size " + maxPayloadSize
                    + " must be between 0 and " + BlightWire.MAX_ARRAY_SIZE);
        }
        this.maxPayloadSize = maxPayloadSize;
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    /**
     * Consumes every remaining byte of {@code chunk} (its position ends at its limit) and delivers
     * each message completed by it. If the sink throws, the exception propagates and the chunk's
     * position is left just past the delivered message, so feeding the rest later loses nothing.
     *
     * @throws BlightProtocolException on a protocol fault, or if the decoder already failed
     * @throws IllegalStateException   after {@link #endOfStream()}, or if called from the sink
     */
    public void feed(ByteBuffer chunk) {
        checkUsable();
        while (chunk.hasRemaining()) {
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
                    deliver(h, EMPTY);
                } else {
                    current = h;
                    payload = new byte[h.size()]; // size <= maxPayloadSize <= MAX_ARRAY_SIZE: positive int
                    payloadFill = 0;
                }
            } else {
                int n = Math.min(payload.length - payloadFill, chunk.remaining());
                chunk.get(payload, payloadFill, n);
                payloadFill += n;
                bytesConsumed += n;
                if (payloadFill == payload.length) {
                    BlightHeader h = current;
                    byte[] p = payload;
                    current = null;
                    payload = null;
                    payloadFill = 0;
                    deliver(h, p);
                }
            }
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
                    "stream ended mid-message: " + payloadFill + " of " + payload.length
                            + " payload bytes of " + current.knownType().wireName()
                            + " ackid " + current.ackidUnsigned());
        } else if (headerFill > 0) {
            failure = new BlightProtocolException(BlightProtocolException.Fault.TRUNCATED, null,
                    "stream ended mid-message: " + headerFill + " of " + BlightHeader.SIZE + " header bytes");
        }
        if (failure != null) {
            current = null;
            payload = null; // let a large partial payload be collected
            throw failure;
        }
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

    private void deliver(BlightHeader h, byte[] p) {
        messagesDecoded++;
        bytesDecoded += BlightHeader.SIZE + p.length;
        BlightFrame frame = new BlightFrame(h, p);
        delivering = true;
        try {
            sink.accept(frame);
        } finally {
            delivering = false;
        }
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

    /** Whether a protocol fault has stopped this decoder. */
    public boolean failed() {
        return failure != null;
    }

    /** The fault that stopped this decoder, or {@code null}. */
    public BlightProtocolException failure() {
        return failure;
    }
}
