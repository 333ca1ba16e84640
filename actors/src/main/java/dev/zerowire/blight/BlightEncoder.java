package dev.zerowire.blight;

import java.nio.ByteBuffer;

/**
 * Builds well-formed blight messages: a header for (type, ackid, payload length) followed by the
 * payload.
 *
 * <p>Why it validates: a sender should never emit a message the receiving {@link BlightDecoder}
 * (or Oxide's server) rejects, so these methods refuse {@link BlightType#INVALID}, a missing payload
 * for types that {@link BlightType#needsPayload() need one}, and ackids or lengths outside
 * {@code uint32}, all with {@link IllegalArgumentException}. To put deliberately bad bytes on the
 * wire (fault-injection tests), encode a raw {@link BlightHeader} instead.
 *
 * <p>What must stay true: the output is exactly {@link BlightHeader#encode} of the header followed
 * by the payload bytes, so {@link BlightDecoder} decodes it back to the same frame.
 */
public final class BlightEncoder {

    private BlightEncoder() {
    }

    /**
     * The checked header for a message.
     *
     * @param ackid         0..2^32-1
     * @param payloadLength 0..2^32-1, and &gt; 0 when the type needs a payload
     */
    public static BlightHeader header(BlightType type, long ackid, long payloadLength) {
        if (!type.validOnWire()) {
            throw new IllegalArgumentException(type.wireName() + " (type " + type.code() + ") is never sent");
        }
        BlightHeader h = BlightHeader.of(type, ackid, payloadLength);
        if (payloadLength == 0 && type.needsPayload()) {
            throw new IllegalArgumentException(type.wireName() + " (type " + type.code()
                    + ") must carry a payload but its length is 0");
        }
        return h;
    }

    /** Writes the checked header at {@code dst}'s position and advances it by 12. */
    public static void putHeader(ByteBuffer dst, BlightType type, long ackid, long payloadLength) {
        header(type, ackid, payloadLength).encode(dst);
    }

    /** The checked header's 12 bytes. */
    public static byte[] encodeHeader(BlightType type, long ackid, long payloadLength) {
        return header(type, ackid, payloadLength).encode();
    }

    /**
     * Writes header and payload at {@code dst}'s position and advances it.
     *
     * @throws java.nio.BufferOverflowException if the whole message does not fit (nothing written)
     */
    public static void putMessage(ByteBuffer dst, BlightType type, long ackid, byte[] payload) {
        BlightHeader h = header(type, ackid, payload.length);
        BlightWire.requireRoom(dst, BlightHeader.SIZE + payload.length);
        h.encode(dst);
        dst.put(payload);
    }

    /** A whole message (header then payload) in a new array. */
    public static byte[] message(BlightType type, long ackid, byte[] payload) {
        byte[] b = new byte[BlightHeader.SIZE + payload.length];
        putMessage(ByteBuffer.wrap(b), type, ackid, payload);
        return b;
    }

    /** A whole message with no payload. */
    public static byte[] message(BlightType type, long ackid) {
        return message(type, ackid, new byte[0]);
    }

    /** The server's ack to the message with {@code ackid}, carrying {@code data} (may be empty). */
    public static byte[] ack(long ackid, byte[] data) {
        return message(BlightType.ACK, ackid, data);
    }
}
