package dev.zerowire.blight;

import java.nio.ByteBuffer;

/**
 * The deterministic payload pattern used by the blight load tools and conformance vectors: byte
 * {@code i} of the payload of the message with ackid {@code k} is {@code (k*31 + i) & 0xff}.
 *
 * <p>Why: a receiver can check every payload byte without the sender shipping expectations, and a
 * misplaced, dropped or duplicated byte, or payloads swapped between messages, shows up at the
 * exact index.
 *
 * <p>What must stay true: the formula above, with {@code i} counted from the first payload byte.
 * Only {@code k mod 256} and {@code i mod 256} matter, so a raw {@code int} ackid (negative for
 * ackids above 2^31-1) and its unsigned {@code long} value give the same bytes. Buffer methods
 * leave the buffer's byte order alone.
 */
public final class TestPattern {

    private TestPattern() {
    }

    /** Byte {@code index} of the payload of the message with {@code ackid}. */
    public static byte byteAt(long ackid, long index) {
        return (byte) (ackid * 31 + index);
    }

    /** A new payload of {@code length} pattern bytes for {@code ackid}. */
    public static byte[] payload(long ackid, int length) {
        byte[] b = new byte[length];
        fill(ackid, b);
        return b;
    }

    /** Fills all of {@code dst} with the pattern from index 0. */
    public static void fill(long ackid, byte[] dst) {
        fill(ackid, 0, dst, 0, dst.length);
    }

    /**
     * Fills {@code len} bytes of {@code dst} from {@code off} with pattern bytes
     * {@code startIndex .. startIndex+len-1} (for payloads written in pieces).
     */
    public static void fill(long ackid, long startIndex, byte[] dst, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, dst.length);
        int v = (int) (ackid * 31 + startIndex);
        for (int i = 0; i < len; i++) {
            dst[off + i] = (byte) (v + i);
        }
    }

    /** Fills {@code dst} from its position to its limit with pattern bytes from index 0, advancing the position. */
    public static void fill(long ackid, ByteBuffer dst) {
        fill(ackid, 0, dst);
    }

    /**
     * Fills {@code dst} from its position to its limit with pattern bytes from {@code startIndex},
     * advancing the position to the limit.
     */
    public static void fill(long ackid, long startIndex, ByteBuffer dst) {
        if (dst.hasArray()) {
            int n = dst.remaining();
            fill(ackid, startIndex, dst.array(), dst.arrayOffset() + dst.position(), n);
            dst.position(dst.limit());
            return;
        }
        int v = (int) (ackid * 31 + startIndex);
        for (int i = 0; dst.hasRemaining(); i++) {
            dst.put((byte) (v + i));
        }
    }

    /** Index of the first byte of {@code payload} that breaks the pattern, or -1 if none does. */
    public static int verify(long ackid, byte[] payload) {
        return verify(ackid, 0, payload, 0, payload.length);
    }

    /**
     * Checks {@code len} bytes of {@code b} from {@code off} against pattern bytes from
     * {@code startIndex}; returns the offset (relative to {@code off}) of the first bad byte, or -1.
     */
    public static int verify(long ackid, long startIndex, byte[] b, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        int v = (int) (ackid * 31 + startIndex);
        for (int i = 0; i < len; i++) {
            if (b[off + i] != (byte) (v + i)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Checks the remaining bytes of {@code payload} (pattern index 0 at its position) without moving
     * the position; returns the index relative to the position of the first bad byte, or -1.
     */
    public static int verify(long ackid, ByteBuffer payload) {
        return verify(ackid, 0, payload);
    }

    /** Like {@link #verify(long, ByteBuffer)} with pattern bytes from {@code startIndex}. */
    public static int verify(long ackid, long startIndex, ByteBuffer payload) {
        int p = payload.position();
        int n = payload.remaining();
        if (payload.hasArray()) {
            return verify(ackid, startIndex, payload.array(), payload.arrayOffset() + p, n);
        }
        int v = (int) (ackid * 31 + startIndex);
        for (int i = 0; i < n; i++) {
            if (payload.get(p + i) != (byte) (v + i)) {
                return i;
            }
        }
        return -1;
    }
}
