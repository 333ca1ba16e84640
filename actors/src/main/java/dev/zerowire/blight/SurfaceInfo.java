package dev.zerowire.blight;

import java.nio.ByteBuffer;

/**
 * The data of the server's ack to an Info message: a surface's geometry and format, a C struct
 * sent as-is.
 *
 * <pre>
 * offset  0 int     x
 * offset  4 int     y
 * offset  8 uint    width
 * offset 12 uint    height
 * offset 16 int     stride
 * offset 20 int     format (BlightImageFormat)
 * offset 24 double  scale   (8-byte aligned, so no padding is needed before it)
 * </pre>
 *
 * <p>What must stay true: {@link #SIZE} is 32 and the offsets above match the C layout; the scale
 * is the IEEE-754 double's 8 bytes in {@linkplain BlightWire#ORDER wire order}.
 */
public record SurfaceInfo(int x, int y, int width, int height, int stride, int format, double scale) {

    /** Size of the C struct. */
    public static final int SIZE = 32;

    static final int OFFSET_X = 0;
    static final int OFFSET_Y = 4;
    static final int OFFSET_WIDTH = 8;
    static final int OFFSET_HEIGHT = 12;
    static final int OFFSET_STRIDE = 16;
    static final int OFFSET_FORMAT = 20;
    static final int OFFSET_SCALE = 24;

    /** Width as the unsigned value on the wire. */
    public long widthUnsigned() {
        return Integer.toUnsignedLong(width);
    }

    /** Height as the unsigned value on the wire. */
    public long heightUnsigned() {
        return Integer.toUnsignedLong(height);
    }

    /**
     * Writes the 32 bytes at {@code dst}'s position and advances it.
     *
     * @throws java.nio.BufferOverflowException if fewer than 32 bytes remain (nothing written)
     */
    public void encode(ByteBuffer dst) {
        BlightWire.requireRoom(dst, SIZE);
        int p = dst.position();
        BlightWire.putInt(dst, p + OFFSET_X, x);
        BlightWire.putInt(dst, p + OFFSET_Y, y);
        BlightWire.putInt(dst, p + OFFSET_WIDTH, width);
        BlightWire.putInt(dst, p + OFFSET_HEIGHT, height);
        BlightWire.putInt(dst, p + OFFSET_STRIDE, stride);
        BlightWire.putInt(dst, p + OFFSET_FORMAT, format);
        BlightWire.putDouble(dst, p + OFFSET_SCALE, scale);
        dst.position(p + SIZE);
    }

    /** The 32 encoded bytes in a new array. */
    public byte[] encode() {
        byte[] b = new byte[SIZE];
        encode(ByteBuffer.wrap(b));
        return b;
    }

    /**
     * Reads a surface info at {@code src}'s position and advances it by 32.
     *
     * @throws IllegalArgumentException if fewer than 32 bytes remain (position unchanged)
     */
    public static SurfaceInfo decode(ByteBuffer src) {
        BlightWire.requireBytes(src, SIZE, "SurfaceInfo");
        int p = src.position();
        SurfaceInfo s = new SurfaceInfo(
                BlightWire.getInt(src, p + OFFSET_X),
                BlightWire.getInt(src, p + OFFSET_Y),
                BlightWire.getInt(src, p + OFFSET_WIDTH),
                BlightWire.getInt(src, p + OFFSET_HEIGHT),
                BlightWire.getInt(src, p + OFFSET_STRIDE),
                BlightWire.getInt(src, p + OFFSET_FORMAT),
                BlightWire.getDouble(src, p + OFFSET_SCALE));
        src.position(p + SIZE);
        return s;
    }

    /**
     * Reads a surface info from the start of ack data; extra trailing bytes are ignored.
     *
     * @throws IllegalArgumentException if the data is shorter than 32 bytes
     */
    public static SurfaceInfo decode(byte[] data) {
        return decode(ByteBuffer.wrap(data));
    }
}
