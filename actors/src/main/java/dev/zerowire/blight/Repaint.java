package dev.zerowire.blight;

import java.nio.ByteBuffer;

/**
 * Payload of a Repaint message: libblight's {@code blight_packet_repaint_t}, a C struct sent as-is.
 *
 * <pre>
 * offset  0 int      x
 * offset  4 int      y
 * offset  8 uint     width
 * offset 12 uint     height
 * offset 16 int      waveform      (BlightWaveformMode)
 * offset 20 int      contenttype   (BlightContentType)
 * offset 24 int      mode          (BlightUpdateMode)
 * offset 28 uint     marker
 * offset 32 uint16   identifier    (surface id)
 * offset 34 2 bytes  padding to the struct's 4-byte alignment
 * </pre>
 *
 * <p>Why raw {@code int}s for unsigned fields: they round-trip every bit pattern a peer can send;
 * use {@link #widthUnsigned()}, {@link #heightUnsigned()}, {@link #markerUnsigned()} for values.
 *
 * <p>What must stay true: {@link #SIZE} is 36 and the offsets above match the C layout; encoding
 * writes zero padding; decoding ignores padding; {@code identifier} is always 0..65535.
 */
public record Repaint(int x, int y, int width, int height, int waveform, int contenttype, int mode,
                      int marker, int identifier) {

    /** {@code sizeof(blight_packet_repaint_t)}. */
    public static final int SIZE = 36;

    static final int OFFSET_X = 0;
    static final int OFFSET_Y = 4;
    static final int OFFSET_WIDTH = 8;
    static final int OFFSET_HEIGHT = 12;
    static final int OFFSET_WAVEFORM = 16;
    static final int OFFSET_CONTENTTYPE = 20;
    static final int OFFSET_MODE = 24;
    static final int OFFSET_MARKER = 28;
    static final int OFFSET_IDENTIFIER = 32;

    /** @throws IllegalArgumentException if {@code identifier} is not 0..65535 */
    public Repaint {
        BlightWire.uint16("surface identifier", identifier);
    }

    /** Width as the unsigned value on the wire. */
    public long widthUnsigned() {
        return Integer.toUnsignedLong(width);
    }

    /** Height as the unsigned value on the wire. */
    public long heightUnsigned() {
        return Integer.toUnsignedLong(height);
    }

    /** Marker as the unsigned value on the wire. */
    public long markerUnsigned() {
        return Integer.toUnsignedLong(marker);
    }

    /**
     * Writes the 36 bytes at {@code dst}'s position and advances it.
     *
     * @throws java.nio.BufferOverflowException if fewer than 36 bytes remain (nothing written)
     */
    public void encode(ByteBuffer dst) {
        BlightWire.requireRoom(dst, SIZE);
        int p = dst.position();
        BlightWire.putInt(dst, p + OFFSET_X, x);
        BlightWire.putInt(dst, p + OFFSET_Y, y);
        BlightWire.putInt(dst, p + OFFSET_WIDTH, width);
        BlightWire.putInt(dst, p + OFFSET_HEIGHT, height);
        BlightWire.putInt(dst, p + OFFSET_WAVEFORM, waveform);
        BlightWire.putInt(dst, p + OFFSET_CONTENTTYPE, contenttype);
        BlightWire.putInt(dst, p + OFFSET_MODE, mode);
        BlightWire.putInt(dst, p + OFFSET_MARKER, marker);
        BlightWire.putUint16(dst, p + OFFSET_IDENTIFIER, identifier);
        BlightWire.zero(dst, p + OFFSET_IDENTIFIER + 2, 2);
        dst.position(p + SIZE);
    }

    /** The 36 encoded bytes in a new array. */
    public byte[] encode() {
        byte[] b = new byte[SIZE];
        encode(ByteBuffer.wrap(b));
        return b;
    }

    /**
     * Reads a repaint at {@code src}'s position and advances it by 36.
     *
     * @throws IllegalArgumentException if fewer than 36 bytes remain (position unchanged)
     */
    public static Repaint decode(ByteBuffer src) {
        BlightWire.requireBytes(src, SIZE, "Repaint payload");
        int p = src.position();
        Repaint r = new Repaint(
                BlightWire.getInt(src, p + OFFSET_X),
                BlightWire.getInt(src, p + OFFSET_Y),
                BlightWire.getInt(src, p + OFFSET_WIDTH),
                BlightWire.getInt(src, p + OFFSET_HEIGHT),
                BlightWire.getInt(src, p + OFFSET_WAVEFORM),
                BlightWire.getInt(src, p + OFFSET_CONTENTTYPE),
                BlightWire.getInt(src, p + OFFSET_MODE),
                BlightWire.getInt(src, p + OFFSET_MARKER),
                BlightWire.getUint16(src, p + OFFSET_IDENTIFIER));
        src.position(p + SIZE);
        return r;
    }

    /**
     * Reads a repaint from the start of a message payload; extra trailing bytes are ignored.
     *
     * @throws IllegalArgumentException if the payload is shorter than 36 bytes
     */
    public static Repaint decode(byte[] payload) {
        return decode(ByteBuffer.wrap(payload));
    }
}
