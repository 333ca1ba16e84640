package dev.zerowire.blight;

/**
 * A peer broke the blight protocol: the byte stream cannot be decoded any further.
 *
 * <p>Why unchecked: it is raised from inside {@link BlightDecoder#feed}, which is typically called
 * from I/O callbacks and lambdas that cannot declare checked exceptions; the right reaction is
 * always the same (log the message, close the connection), and the {@link Fault} tells callers
 * which rule was broken without parsing text.
 *
 * <p>What must stay true: the message is one line naming the fault and the header fields involved
 * (e.g. {@code "unknown message type 42 (ackid 7, size 0)"}); {@link #header()} is the offending
 * header, or {@code null} when the stream ended before a whole header arrived.
 */
public final class BlightProtocolException extends RuntimeException {

    /** Which protocol rule the stream broke. */
    public enum Fault {
        /** The header's type code is not 1..11. */
        UNKNOWN_TYPE,
        /** A type that must carry a payload (Repaint, Move, Info, Delete, Raise, Lower, Wait) has size 0. */
        MISSING_PAYLOAD,
        /** The header's size exceeds the receiver's maximum. */
        OVERSIZE,
        /** The stream ended in the middle of a message. */
        TRUNCATED,
        /**
         * Not a wire-format fault but a limit: a message whose bytes started arriving was not
         * complete within {@link BlightLimits#payloadTimeout()}.
         */
        PAYLOAD_TIMEOUT,
        /**
         * Not a wire-format fault but a limit: the peer left the replies it was sent unread past
         * {@link BlightLimits#replyStallTimeout()} (server) or made no progress within
         * {@link BlightLimits#stallTimeout()} (client).
         */
        STALLED
    }

    private final Fault fault;
    private final transient BlightHeader header;

    /**
     * @param fault   the rule broken
     * @param header  the offending header, or {@code null} if none was complete
     * @param message one clear line naming the fault and the header fields
     */
    public BlightProtocolException(Fault fault, BlightHeader header, String message) {
        super(message);
        if (fault == null) {
            throw new NullPointerException("fault");
        }
        this.fault = fault;
        this.header = header;
    }

    /** The rule the stream broke. */
    public Fault fault() {
        return fault;
    }

    /** The offending header, or {@code null} when the stream was cut inside a header. */
    public BlightHeader header() {
        return header;
    }
}
