package dev.zerowire.blight;

import java.nio.ByteBuffer;

/**
 * Payload of a Move message: libblight's {@code blight_packet_move_t}, a C struct sent as-is.
 *
 * <pre>
 * offset 0 uint16   identifier (surface id)
 * offset 2 2 bytes  padding to the 4-byte alignment of x
 * offset 4 int      x
 * offset 8 int      y
 * </pre>
 *
 * <p>What must stay true: {@link #SIZE} is 12 and the offsets above match the C layout; encoding
 * writes zero padding; decoding ignores padding; {@code identifier} is always 0..65535.
 */
public record Move(int identifier, int x, int y) {

    /** {@code sizeof(blight_packet_move_t)}. */
    public static final int SIZE = 12;

    static final int OFFSET_IDENTIFIER = 0;
    static final int OFFSET_X = 4;
    static final int OFFSET_Y = 8;

    /** @throws IllegalArgumentException if {@code identifier} is not 0..65535 */
    public Move {
        BlightWire.uint16("surface identifier", identifier);
    }

    /**
     * Writes the 12 bytes at {@code dst}'s position and advances it.
     *
     * @throws java.nio.BufferOverflowException if fewer than 12 bytes remain (nothing written)
     */
    public void encode(ByteBuffer dst) {
        BlightWire.requireRoom(dst, SIZE);
        int p = dst.position();
        BlightWire.putUint16(dst, p + OFFSET_IDENTIFIER, identifier);
        BlightWire.zero(dst, p + OFFSET_IDENTIFIER + 2, 2);
        BlightWire.putInt(dst, p + OFFSET_X, x);
        BlightWire.putInt(dst, p + OFFSET_Y, y);
        dst.position(p + SIZE);
    }

    /** The 12 encoded bytes in a new array. */
    public byte[] encode() {
        byte[] b = new byte[SIZE];
        encode(ByteBuffer.wrap(b));
        return b;
    }

    /**
     * Reads a move at {@code src}'s position and advances it by 12.
     *
     * @throws IllegalArgumentException if fewer than 12 bytes remain (position unchanged)
     */
    public static Move decode(ByteBuffer src) {
        BlightWire.requireBytes(src, SIZE, "Move payload");
        int p = src.position();
        Move m = new Move(
                BlightWire.getUint16(src, p + OFFSET_IDENTIFIER),
                BlightWire.getInt(src, p + OFFSET_X),
                BlightWire.getInt(src, p + OFFSET_Y));
        src.position(p + SIZE);
        return m;
    }

    /**
     * Reads a move from the start of a message payload; extra trailing bytes are ignored.
     *
     * @throws IllegalArgumentException if the payload is shorter than 12 bytes
     */
    public static Move decode(byte[] payload) {
        return decode(ByteBuffer.wrap(payload));
    }
}
