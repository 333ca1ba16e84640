package dev.zerowire.blight;

import java.util.Arrays;
import java.util.Objects;

/**
 * One complete blight message as the {@link BlightDecoder} delivers it: a valid header and exactly
 * {@code header.size()} payload bytes.
 *
 * <p>Why a record with an array: the payload is handed over without a copy (it can be megabytes);
 * equality, hash and toString are by content so frames compare naturally in tests.
 *
 * <p>What must stay true: {@code payload.length == header.sizeUnsigned()}; the receiver owns the
 * array (the decoder keeps no reference), except that every zero-length payload may be one shared
 * empty array.
 *
 * @param header  the message's header
 * @param payload the message's payload, owned by the receiver
 */
public record BlightFrame(BlightHeader header, byte[] payload) {

    /**
     * @throws IllegalArgumentException if the payload length differs from the header's size
     */
    public BlightFrame {
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(payload, "payload");
        if (payload.length != header.sizeUnsigned()) {
            throw new IllegalArgumentException("payload has " + payload.length
                    + " bytes but the header says " + header.sizeUnsigned());
        }
    }

    /** The known type, or {@code null} for an unknown code (a decoder never delivers one). */
    public BlightType type() {
        return header.knownType();
    }

    /** The message's ackid as its unsigned value. */
    public long ackid() {
        return header.ackidUnsigned();
    }

    /** This frame as it appears on the wire: header then payload. */
    public byte[] toBytes() {
        byte[] b = new byte[BlightHeader.SIZE + payload.length];
        header.encode(b, 0);
        System.arraycopy(payload, 0, b, BlightHeader.SIZE, payload.length);
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlightFrame f && header.equals(f.header) && Arrays.equals(payload, f.payload);
    }

    @Override
    public int hashCode() {
        return 31 * header.hashCode() + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "BlightFrame[" + header + ", payload=" + payload.length + " bytes]";
    }
}
