package dev.zerowire.blight;

import java.nio.ByteBuffer;

/**
 * Encoders and decoders for the small scalar payloads of the blight protocol: the {@code uint16}
 * surface id of Info, Delete, Raise and Lower; the {@code uint32} marker of Wait; and the array of
 * {@code uint16} surface ids in the ack to List.
 *
 * <p>Why a separate helper: these payloads are bare C scalars (no struct), so they need no record,
 * but they still must use {@linkplain BlightWire#ORDER wire byte order} and exact widths.
 *
 * <p>What must stay true: a surface id is 2 bytes, a marker 4 bytes, an id array 2 bytes per id
 * with no count prefix (its length comes from the header's size); decoders read from the start of
 * a payload and reject one too short with {@link IllegalArgumentException}.
 */
public final class BlightPayloads {

    /** Bytes of an encoded surface id. */
    public static final int SURFACE_ID_SIZE = 2;
    /** Bytes of an encoded marker. */
    public static final int MARKER_SIZE = 4;

    private BlightPayloads() {
    }

    /** Writes a surface id (0..65535) at {@code dst}'s position and advances it by 2. */
    public static void putSurfaceId(ByteBuffer dst, int id) {
        BlightWire.uint16("surface id", id);
        BlightWire.requireRoom(dst, SURFACE_ID_SIZE);
        int p = dst.position();
        BlightWire.putUint16(dst, p, id);
        dst.position(p + SURFACE_ID_SIZE);
    }

    /** Reads a surface id at {@code src}'s position and advances it by 2. */
    public static int getSurfaceId(ByteBuffer src) {
        BlightWire.requireBytes(src, SURFACE_ID_SIZE, "surface id");
        int p = src.position();
        int id = BlightWire.getUint16(src, p);
        src.position(p + SURFACE_ID_SIZE);
        return id;
    }

    /** A 2-byte payload holding the surface id (0..65535). */
    public static byte[] encodeSurfaceId(int id) {
        byte[] b = new byte[SURFACE_ID_SIZE];
        putSurfaceId(ByteBuffer.wrap(b), id);
        return b;
    }

    /** The surface id at the start of a payload. */
    public static int decodeSurfaceId(byte[] payload) {
        return getSurfaceId(ByteBuffer.wrap(payload));
    }

    /** Writes a marker (0..2^32-1) at {@code dst}'s position and advances it by 4. */
    public static void putMarker(ByteBuffer dst, long marker) {
        int raw = BlightWire.uint32("marker", marker);
        BlightWire.requireRoom(dst, MARKER_SIZE);
        int p = dst.position();
        BlightWire.putInt(dst, p, raw);
        dst.position(p + MARKER_SIZE);
    }

    /** Reads a marker (as its unsigned value) at {@code src}'s position and advances it by 4. */
    public static long getMarker(ByteBuffer src) {
        BlightWire.requireBytes(src, MARKER_SIZE, "marker");
        int p = src.position();
        long m = Integer.toUnsignedLong(BlightWire.getInt(src, p));
        src.position(p + MARKER_SIZE);
        return m;
    }

    /** A 4-byte payload holding the marker (0..2^32-1). */
    public static byte[] encodeMarker(long marker) {
        byte[] b = new byte[MARKER_SIZE];
        putMarker(ByteBuffer.wrap(b), marker);
        return b;
    }

    /** The marker (unsigned) at the start of a payload. */
    public static long decodeMarker(byte[] payload) {
        return getMarker(ByteBuffer.wrap(payload));
    }

    /** The ack data of a List: each id (0..65535) as 2 bytes, in order, no count. */
    public static byte[] encodeSurfaceIds(int... ids) {
        byte[] b = new byte[ids.length * SURFACE_ID_SIZE];
        ByteBuffer buf = ByteBuffer.wrap(b);
        for (int id : ids) {
            putSurfaceId(buf, id);
        }
        return b;
    }

    /**
     * The ids in the ack data of a List.
     *
     * @throws IllegalArgumentException if the length is odd
     */
    public static int[] decodeSurfaceIds(byte[] data) {
        if (data.length % SURFACE_ID_SIZE != 0) {
            throw new IllegalArgumentException(
                    "surface id array needs an even number of bytes but has " + data.length);
        }
        int[] ids = new int[data.length / SURFACE_ID_SIZE];
        ByteBuffer buf = ByteBuffer.wrap(data);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = getSurfaceId(buf);
        }
        return ids;
    }
}
