package dev.zerowire.blight;

import java.nio.ByteBuffer;

/**
 * The 12-byte header in front of every blight message: libblight's {@code blight_header_t}
 * ({@code int32 type; uint32 ackid; uint32 size;}) in {@linkplain BlightWire#ORDER host byte order},
 * followed on the wire by {@code size} payload bytes.
 *
 * <p>Why raw {@code int}s: a header is what a peer sent, valid or not, so the record holds the raw
 * 32-bit fields and never rejects a value; {@link #validate(long)} / {@link #problem(long)} judge it.
 * {@code ackid} and {@code size} are unsigned on the wire: read them with {@link #ackidUnsigned()}
 * and {@link #sizeUnsigned()} (a size of 4 GiB-1 is the raw int -1).
 *
 * <p>What must stay true: {@link #SIZE} is 12; type at offset 0, ackid at 4, size at 8; encoding
 * then decoding gives back an equal record for every bit pattern; a header is valid iff its type is
 * 1..11, its unsigned size is at most the maximum, and types that {@link BlightType#needsPayload()}
 * have size &gt; 0.
 *
 * @param type  raw type code ({@link BlightType#code()})
 * @param ackid raw ackid bits, unsigned on the wire
 * @param size  raw payload length bits, unsigned on the wire
 */
public record BlightHeader(int type, int ackid, int size) {

    /** Encoded length of a header in bytes. */
    public static final int SIZE = 12;

    static final int OFFSET_TYPE = 0;
    static final int OFFSET_ACKID = 4;
    static final int OFFSET_SIZE = 8;

    /**
     * A header for a known type with range-checked unsigned ackid and size (both 0..2^32-1).
     * Does not validate protocol rules, so it can build deliberately bad headers for tests.
     */
    public static BlightHeader of(BlightType type, long ackid, long size) {
        return new BlightHeader(type.code(), BlightWire.uint32("ackid", ackid), BlightWire.uint32("size", size));
    }

    /** The ackid as the unsigned value on the wire. */
    public long ackidUnsigned() {
        return Integer.toUnsignedLong(ackid);
    }

    /** The payload length as the unsigned value on the wire. */
    public long sizeUnsigned() {
        return Integer.toUnsignedLong(size);
    }

    /** The known type of this header's code, or {@code null} (see {@link BlightType#fromCode(int)}). */
    public BlightType knownType() {
        return BlightType.fromCode(type);
    }

    /** Header plus payload length in bytes. */
    public long messageLength() {
        return SIZE + sizeUnsigned();
    }

    /**
     * Writes the 12 bytes at {@code dst}'s position and advances it by 12, whatever {@code dst}'s
     * own byte order is.
     *
     * @throws java.nio.BufferOverflowException if fewer than 12 bytes remain (nothing is written)
     */
    public void encode(ByteBuffer dst) {
        BlightWire.requireRoom(dst, SIZE);
        int p = dst.position();
        BlightWire.putInt(dst, p + OFFSET_TYPE, type);
        BlightWire.putInt(dst, p + OFFSET_ACKID, ackid);
        BlightWire.putInt(dst, p + OFFSET_SIZE, size);
        dst.position(p + SIZE);
    }

    /** Writes the 12 bytes into {@code dst} from {@code offset}. */
    public void encode(byte[] dst, int offset) {
        java.util.Objects.checkFromIndexSize(offset, SIZE, dst.length);
        BlightWire.putInt(dst, offset + OFFSET_TYPE, type);
        BlightWire.putInt(dst, offset + OFFSET_ACKID, ackid);
        BlightWire.putInt(dst, offset + OFFSET_SIZE, size);
    }

    /** The 12 encoded bytes in a new array. */
    public byte[] encode() {
        byte[] b = new byte[SIZE];
        encode(b, 0);
        return b;
    }

    /**
     * Reads a header at {@code src}'s position and advances it by 12, whatever {@code src}'s own
     * byte order is. Never rejects a value: validate separately.
     *
     * @throws java.nio.BufferUnderflowException if fewer than 12 bytes remain (position unchanged)
     */
    public static BlightHeader decode(ByteBuffer src) {
        if (src.remaining() < SIZE) {
            throw new java.nio.BufferUnderflowException();
        }
        int p = src.position();
        BlightHeader h = new BlightHeader(
                BlightWire.getInt(src, p + OFFSET_TYPE),
                BlightWire.getInt(src, p + OFFSET_ACKID),
                BlightWire.getInt(src, p + OFFSET_SIZE));
        src.position(p + SIZE);
        return h;
    }

    /** Reads a header from {@code src} at {@code offset}. */
    public static BlightHeader decode(byte[] src, int offset) {
        java.util.Objects.checkFromIndexSize(offset, SIZE, src.length);
        return new BlightHeader(
                BlightWire.getInt(src, offset + OFFSET_TYPE),
                BlightWire.getInt(src, offset + OFFSET_ACKID),
                BlightWire.getInt(src, offset + OFFSET_SIZE));
    }

    /**
     * {@code null} when this header is valid for a receiver accepting payloads of at most
     * {@code maxSize} bytes, else one clear line naming the fault, e.g.
     * {@code "unknown message type 42 (ackid 7, size 0)"}.
     */
    public String validate(long maxSize) {
        BlightProtocolException p = problem(maxSize);
        return p == null ? null : p.getMessage();
    }

    /**
     * {@code null} when valid, else the (unthrown) exception describing the first broken rule,
     * checked in the order: type known, size within {@code maxSize}, payload present.
     */
    public BlightProtocolException problem(long maxSize) {
        BlightType t = knownType();
        if (t == null || !t.validOnWire()) {
            String what = t == null ? "unknown message type " : "invalid message type ";
            return new BlightProtocolException(BlightProtocolException.Fault.UNKNOWN_TYPE, this,
                    what + type + " (ackid " + ackidUnsigned() + ", size " + sizeUnsigned() + ")");
        }
        if (sizeUnsigned() > maxSize) {
            return new BlightProtocolException(BlightProtocolException.Fault.OVERSIZE, this,
                    "message size " + sizeUnsigned() + " exceeds the maximum " + maxSize
                            + " (" + t.wireName() + ", ackid " + ackidUnsigned() + ")");
        }
        if (size == 0 && t.needsPayload()) {
            return new BlightProtocolException(BlightProtocolException.Fault.MISSING_PAYLOAD, this,
                    t.wireName() + " (type " + type + ") must carry a payload but size is 0 (ackid "
                            + ackidUnsigned() + ")");
        }
        return null;
    }

    /** Readable form with unsigned fields and the type's name when known. */
    @Override
    public String toString() {
        BlightType t = knownType();
        return "BlightHeader[type=" + type + (t == null ? "" : " " + t.wireName())
                + ", ackid=" + ackidUnsigned() + ", size=" + sizeUnsigned() + "]";
    }
}
