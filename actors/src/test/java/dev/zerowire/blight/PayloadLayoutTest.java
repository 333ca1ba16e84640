package dev.zerowire.blight;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Byte-exact layouts of the payload structs and scalar payloads, against hand-written arrays. */
class PayloadLayoutTest {

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    @BeforeEach
    void littleEndianHost() {
        assertEquals(ByteOrder.LITTLE_ENDIAN, BlightWire.ORDER, "expected arrays assume a little-endian host");
    }

    @Test
    void repaintLayout() {
        Repaint r = new Repaint(-2, 0x11223344, 0x8000_0001, 5, 6, 7, 8, 0xFFFF_FFFF, 0xBEEF);
        byte[] expected = bytes(
                0xFE, 0xFF, 0xFF, 0xFF,  //  0 x = -2
                0x44, 0x33, 0x22, 0x11,  //  4 y
                0x01, 0x00, 0x00, 0x80,  //  8 width = 2147483649
                0x05, 0x00, 0x00, 0x00,  // 12 height
                0x06, 0x00, 0x00, 0x00,  // 16 waveform
                0x07, 0x00, 0x00, 0x00,  // 20 contenttype
                0x08, 0x00, 0x00, 0x00,  // 24 mode
                0xFF, 0xFF, 0xFF, 0xFF,  // 28 marker = 4294967295
                0xEF, 0xBE,              // 32 identifier
                0x00, 0x00);             // 34 padding
        assertEquals(36, Repaint.SIZE);
        assertArrayEquals(expected, r.encode());
        assertEquals(r, Repaint.decode(expected));
        assertEquals(2147483649L, r.widthUnsigned());
        assertEquals(5L, r.heightUnsigned());
        assertEquals(4294967295L, r.markerUnsigned());
        assertEquals(0xBEEF, Repaint.decode(expected).identifier());
    }

    @Test
    void moveLayout() {
        Move m = new Move(0xABCD, -1, 0x01020304);
        byte[] expected = bytes(
                0xCD, 0xAB,              // 0 identifier
                0x00, 0x00,              // 2 padding
                0xFF, 0xFF, 0xFF, 0xFF,  // 4 x = -1
                0x04, 0x03, 0x02, 0x01); // 8 y
        assertEquals(12, Move.SIZE);
        assertArrayEquals(expected, m.encode());
        assertEquals(m, Move.decode(expected));
    }

    @Test
    void surfaceInfoLayout() {
        SurfaceInfo s = new SurfaceInfo(1, -1, 1404, 0x8000_0000, 2808, 7, 1.5);
        byte[] expected = bytes(
                0x01, 0x00, 0x00, 0x00,  //  0 x
                0xFF, 0xFF, 0xFF, 0xFF,  //  4 y
                0x7C, 0x05, 0x00, 0x00,  //  8 width = 1404
                0x00, 0x00, 0x00, 0x80,  // 12 height = 2147483648
                0xF8, 0x0A, 0x00, 0x00,  // 16 stride = 2808
                0x07, 0x00, 0x00, 0x00,  // 20 format
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF8, 0x3F); // 24 scale = 1.5
        assertEquals(32, SurfaceInfo.SIZE);
        assertArrayEquals(expected, s.encode());
        assertEquals(s, SurfaceInfo.decode(expected));
        assertEquals(2147483648L, s.heightUnsigned());
        assertEquals(1404L, s.widthUnsigned());
    }

    @Test
    void paddingIsWrittenAsZeroAndIgnoredOnRead() {
        byte[] dirty = new byte[Repaint.SIZE];
        Arrays.fill(dirty, (byte) 0x55);
        Repaint r = new Repaint(1, 2, 3, 4, 5, 6, 7, 8, 9);
        r.encode(ByteBuffer.wrap(dirty));
        assertEquals(0, dirty[34]);
        assertEquals(0, dirty[35]);
        dirty[34] = (byte) 0xFF;
        dirty[35] = (byte) 0xFF;
        assertEquals(r, Repaint.decode(dirty));

        byte[] mv = new byte[Move.SIZE];
        Arrays.fill(mv, (byte) 0x55);
        Move m = new Move(9, 10, 11);
        m.encode(ByteBuffer.wrap(mv));
        assertEquals(0, mv[2]);
        assertEquals(0, mv[3]);
        mv[2] = (byte) 0x77;
        mv[3] = (byte) 0x77;
        assertEquals(m, Move.decode(mv));
    }

    @Test
    void randomRoundTripsAtBufferPositionIgnoringBufferOrder() {
        long seed = BlightStreams.seed();
        Random r = new Random(seed);
        for (int i = 0; i < 300; i++) {
            Repaint rp = new Repaint(r.nextInt(), r.nextInt(), r.nextInt(), r.nextInt(), r.nextInt(), r.nextInt(),
                    r.nextInt(), r.nextInt(), r.nextInt(0x10000));
            Move mv = new Move(r.nextInt(0x10000), r.nextInt(), r.nextInt());
            SurfaceInfo si = new SurfaceInfo(r.nextInt(), r.nextInt(), r.nextInt(), r.nextInt(), r.nextInt(),
                    r.nextInt(), r.nextDouble() * 1e6 - 5e5);
            int pos = r.nextInt(7);
            int len = pos + Repaint.SIZE + Move.SIZE + SurfaceInfo.SIZE;
            ByteBuffer b = (r.nextBoolean() ? ByteBuffer.allocate(len) : ByteBuffer.allocateDirect(len))
                    .order(r.nextBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            b.position(pos);
            rp.encode(b);
            mv.encode(b);
            si.encode(b);
            assertEquals(len, b.position(), "seed " + seed);
            b.position(pos);
            assertEquals(rp, Repaint.decode(b), "seed " + seed);
            assertEquals(mv, Move.decode(b), "seed " + seed);
            assertEquals(si, SurfaceInfo.decode(b), "seed " + seed);
            assertEquals(len, b.position(), "seed " + seed);
            // the byte[] forms agree with the buffer forms
            byte[] raw = new byte[Repaint.SIZE];
            b.get(pos, raw);
            assertArrayEquals(rp.encode(), raw, "seed " + seed);
        }
    }

    @Test
    void shortInputIsRejectedClearlyWithoutMovingPosition() {
        ByteBuffer b = ByteBuffer.allocate(40);
        b.position(5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Repaint.decode(b));
        assertEquals("Repaint payload needs 36 bytes but only 35 remain", e.getMessage());
        assertEquals(5, b.position());
        assertThrows(IllegalArgumentException.class, () -> Move.decode(new byte[11]));
        assertThrows(IllegalArgumentException.class, () -> SurfaceInfo.decode(new byte[31]));
        ByteBuffer small = ByteBuffer.allocate(35);
        assertThrows(BufferOverflowException.class, () -> new Repaint(0, 0, 0, 0, 0, 0, 0, 0, 0).encode(small));
        assertEquals(0, small.position());
    }

    @Test
    void surfaceIdentifiersMustFitUint16() {
        assertThrows(IllegalArgumentException.class, () -> new Move(0x10000, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Move(-1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Repaint(0, 0, 0, 0, 0, 0, 0, 0, 65536));
        assertEquals(65535, new Move(65535, 0, 0).identifier());
    }

    @Test
    void scalarPayloadLayouts() {
        assertArrayEquals(bytes(0x34, 0x12), BlightPayloads.encodeSurfaceId(0x1234));
        assertEquals(0xFFFE, BlightPayloads.decodeSurfaceId(bytes(0xFE, 0xFF)));
        assertArrayEquals(bytes(0x78, 0x56, 0x34, 0x12), BlightPayloads.encodeMarker(0x12345678L));
        assertEquals(4294967295L, BlightPayloads.decodeMarker(bytes(0xFF, 0xFF, 0xFF, 0xFF)));
        assertArrayEquals(bytes(0x01, 0x00, 0xFF, 0xFF, 0x00, 0x01), BlightPayloads.encodeSurfaceIds(1, 0xFFFF, 0x100));
        assertArrayEquals(new int[] {1, 0xFFFF, 0x100}, BlightPayloads.decodeSurfaceIds(bytes(1, 0, 0xFF, 0xFF, 0, 1)));
        assertArrayEquals(new int[0], BlightPayloads.decodeSurfaceIds(new byte[0]));
        assertArrayEquals(new byte[0], BlightPayloads.encodeSurfaceIds());
    }

    @Test
    void scalarPayloadsRejectBadValuesAndShortInput() {
        assertThrows(IllegalArgumentException.class, () -> BlightPayloads.encodeSurfaceId(65536));
        assertThrows(IllegalArgumentException.class, () -> BlightPayloads.encodeMarker(1L << 32));
        assertThrows(IllegalArgumentException.class, () -> BlightPayloads.encodeMarker(-1));
        assertThrows(IllegalArgumentException.class, () -> BlightPayloads.decodeSurfaceId(new byte[1]));
        assertThrows(IllegalArgumentException.class, () -> BlightPayloads.decodeMarker(new byte[3]));
        assertThrows(IllegalArgumentException.class, () -> BlightPayloads.decodeSurfaceIds(new byte[3]));
        ByteBuffer b = ByteBuffer.allocate(6).order(ByteOrder.BIG_ENDIAN);
        BlightPayloads.putSurfaceId(b, 0x0102);
        BlightPayloads.putMarker(b, 0x03040506L);
        assertArrayEquals(bytes(0x02, 0x01, 0x06, 0x05, 0x04, 0x03), b.array());
        b.flip();
        assertEquals(0x0102, BlightPayloads.getSurfaceId(b));
        assertEquals(0x03040506L, BlightPayloads.getMarker(b));
        assertEquals(6, b.position());
    }
}
