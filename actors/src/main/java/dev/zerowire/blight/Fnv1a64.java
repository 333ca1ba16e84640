package dev.zerowire.blight;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * Incremental FNV-1a 64-bit hash, used to fingerprint every payload byte of a blight session so
 * two ends (or a run and a conformance vector) can compare what was sent with what was received.
 *
 * <p>Why FNV-1a: it is trivial to reimplement in C or a shell tool on the tablet, order-sensitive,
 * and cheap; it is not cryptographic and need not be.
 *
 * <p>What must stay true: offset basis {@code 0xcbf29ce484222325}, prime {@code 0x100000001b3},
 * per byte {@code h = (h ^ (b & 0xff)) * prime} mod 2^64; feeding bytes in pieces gives the same
 * value as feeding them at once; {@link #update(ByteBuffer)} never moves the buffer's position;
 * {@link #hex()} is 16 lowercase hex digits. Not thread-safe.
 */
public final class Fnv1a64 {

    /** FNV-1a 64-bit offset basis: the hash of no bytes. */
    public static final long OFFSET_BASIS = 0xcbf29ce484222325L;
    /** FNV 64-bit prime. */
    public static final long PRIME = 0x100000001b3L;

    private long hash = OFFSET_BASIS;
    private long count;

    /** Mixes in one byte. */
    public Fnv1a64 update(byte b) {
        hash = (hash ^ (b & 0xff)) * PRIME;
        count++;
        return this;
    }

    /** Mixes in the low 8 bits of {@code b}. */
    public Fnv1a64 update(int b) {
        return update((byte) b);
    }

    /** Mixes in every byte of {@code b}. */
    public Fnv1a64 update(byte[] b) {
        return update(b, 0, b.length);
    }

    /** Mixes in {@code len} bytes of {@code b} from {@code off}. */
    public Fnv1a64 update(byte[] b, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        long h = hash;
        for (int i = off, end = off + len; i < end; i++) {
            h = (h ^ (b[i] & 0xff)) * PRIME;
        }
        hash = h;
        count += len;
        return this;
    }

    /** Mixes in the remaining bytes of {@code buf} without moving its position. */
    public Fnv1a64 update(ByteBuffer buf) {
        int from = buf.position();
        int to = buf.limit();
        if (buf.hasArray()) {
            return update(buf.array(), buf.arrayOffset() + from, to - from);
        }
        long h = hash;
        for (int i = from; i < to; i++) {
            h = (h ^ (buf.get(i) & 0xff)) * PRIME;
        }
        hash = h;
        count += to - from;
        return this;
    }

    /** The hash of every byte fed so far. */
    public long value() {
        return hash;
    }

    /** How many bytes have been fed since creation or the last {@link #reset()}. */
    public long count() {
        return count;
    }

    /** {@link #value()} as 16 lowercase hex digits. */
    public String hex() {
        return HexFormat.of().toHexDigits(hash);
    }

    /** Back to the hash of no bytes. */
    public Fnv1a64 reset() {
        hash = OFFSET_BASIS;
        count = 0;
        return this;
    }

    /** The hash of {@code b} in one call. */
    public static long hash(byte[] b) {
        return new Fnv1a64().update(b).value();
    }

    @Override
    public String toString() {
        return "Fnv1a64[" + hex() + " over " + count + " bytes]";
    }
}
