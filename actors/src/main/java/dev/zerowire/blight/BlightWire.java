package dev.zerowire.blight;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Wire-level constants of the blight protocol and the primitive accessors every codec class uses.
 *
 * <p><b>Why host byte order.</b> libblight_protocol does not serialise anything: it {@code memcpy}s
 * (or {@code send}s) its C structs as they sit in memory, so the bytes on the socket are in the byte
 * order of the machine that wrote them. Client and server always run on the same tablet, so both
 * ends share that order. {@link #ORDER} is therefore {@link ByteOrder#nativeOrder()} — little-endian
 * on every platform Oxide runs on (ARM reMarkables) and on x86-64 development hosts.
 *
 * <p><b>What must stay true.</b> {@link #ORDER} is the single place the byte order is chosen; no
 * other class may call {@code nativeOrder()} or rely on the order a caller's {@link ByteBuffer}
 * happens to be set to. The accessors here use absolute indices and never change a buffer's
 * position, limit or order.
 */
public final class BlightWire {

    /**
     * Byte order of every multi-byte field on the wire: the host's, because libblight writes its C
     * structs as they are in memory.
     */
    public static final ByteOrder ORDER = ByteOrder.nativeOrder();

    /** Default largest payload a {@link BlightDecoder} accepts: 64 MiB (67108864 bytes). */
    public static final long DEFAULT_MAX_PAYLOAD_SIZE = 64L * 1024 * 1024;

    /** Largest value an unsigned 32-bit wire field (ackid, size, marker, width, ...) can hold. */
    public static final long MAX_UINT32 = 0xFFFF_FFFFL;

    /** Largest value an unsigned 16-bit wire field (a surface id) can hold. */
    public static final int MAX_UINT16 = 0xFFFF;

    /**
     * Largest array the JVM reliably allocates; a decoder cannot hold a bigger payload in a
     * {@code byte[]}, so its maximum may not exceed this.
     */
    public static final int MAX_ARRAY_SIZE = Integer.MAX_VALUE - 8;

    private static final VarHandle BB_SHORT = MethodHandles.byteBufferViewVarHandle(short[].class, ORDER);
    private static final VarHandle BB_INT = MethodHandles.byteBufferViewVarHandle(int[].class, ORDER);
    private static final VarHandle BB_DOUBLE = MethodHandles.byteBufferViewVarHandle(double[].class, ORDER);
    private static final VarHandle BA_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ORDER);

    private BlightWire() {
    }

    static int getInt(ByteBuffer b, int index) {
        return (int) BB_INT.get(b, index);
    }

    static void putInt(ByteBuffer b, int index, int value) {
        BB_INT.set(b, index, value);
    }

    static int getUint16(ByteBuffer b, int index) {
        return Short.toUnsignedInt((short) BB_SHORT.get(b, index));
    }

    static void putUint16(ByteBuffer b, int index, int value) {
        BB_SHORT.set(b, index, (short) value);
    }

    static double getDouble(ByteBuffer b, int index) {
        return (double) BB_DOUBLE.get(b, index);
    }

    static void putDouble(ByteBuffer b, int index, double value) {
        BB_DOUBLE.set(b, index, value);
    }

    static int getInt(byte[] b, int index) {
        return (int) BA_INT.get(b, index);
    }

    static void putInt(byte[] b, int index, int value) {
        BA_INT.set(b, index, value);
    }

    /** Zeroes {@code length} bytes from absolute {@code index} (used for struct padding). */
    static void zero(ByteBuffer b, int index, int length) {
        for (int i = 0; i < length; i++) {
            b.put(index + i, (byte) 0);
        }
    }

    /** Throws {@link BufferOverflowException} unless {@code dst} has {@code n} bytes left. */
    static void requireRoom(ByteBuffer dst, int n) {
        if (dst.remaining() < n) {
            throw new BufferOverflowException();
        }
    }

    /**
     * Throws {@link IllegalArgumentException} naming {@code what} unless {@code src} has {@code n}
     * bytes left; checked up front so a short payload never leaves the position half advanced.
     */
    static void requireBytes(ByteBuffer src, int n, String what) {
        if (src.remaining() < n) {
            throw new IllegalArgumentException(
                    what + " needs " + n + " bytes but only " + src.remaining() + " remain");
        }
    }

    /** Checks that {@code value} fits an unsigned 32-bit field and returns its raw bits. */
    static int uint32(String what, long value) {
        if (value < 0 || value > MAX_UINT32) {
            throw new IllegalArgumentException(what + " " + value + " does not fit an unsigned 32-bit field");
        }
        return (int) value;
    }

    /** Checks that {@code value} fits an unsigned 16-bit field. */
    static int uint16(String what, int value) {
        if (value < 0 || value > MAX_UINT16) {
            throw new IllegalArgumentException(what + " " + value + " does not fit an unsigned 16-bit field");
        }
        return value;
    }
}
