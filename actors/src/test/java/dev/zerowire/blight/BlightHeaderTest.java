package dev.zerowire.blight;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.zerowire.blight.BlightProtocolException.Fault;
import java.nio.BufferOverflowException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BlightHeaderTest {

    private static final long MAX = BlightWire.DEFAULT_MAX_PAYLOAD_SIZE;

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    @BeforeEach
    void littleEndianHost() {
        // The hand-written arrays below are little-endian, the order of every platform Oxide and
        // zerowire run on (ARM tablets, x86-64 hosts).
        assertEquals(ByteOrder.LITTLE_ENDIAN, BlightWire.ORDER, "expected arrays assume a little-endian host");
    }

    @Test
    void sizeIsTwelve() {
        assertEquals(12, BlightHeader.SIZE);
        assertEquals(12, new BlightHeader(1, 2, 3).encode().length);
    }

    @Test
    void exactByteLayout() {
        BlightHeader h = new BlightHeader(3, 0x01020304, 0x0A0B0C0D);
        byte[] expected = bytes(
                0x03, 0x00, 0x00, 0x00,  // type
                0x04, 0x03, 0x02, 0x01,  // ackid
                0x0D, 0x0C, 0x0B, 0x0A); // size
        assertArrayEquals(expected, h.encode());
        assertEquals(h, BlightHeader.decode(expected, 0));
    }

    @Test
    void unsignedFieldsUseAllThirtyTwoBits() {
        BlightHeader h = BlightHeader.of(BlightType.ACK, 0xFFFF_FFFFL, 0x8000_0000L);
        assertArrayEquals(bytes(1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0x80), h.encode());
        assertEquals(-1, h.ackid());
        assertEquals(4294967295L, h.ackidUnsigned());
        assertEquals(2147483648L, h.sizeUnsigned());
        assertEquals(12 + 2147483648L, h.messageLength());
        BlightHeader neg = new BlightHeader(-2, 0, 0);
        assertArrayEquals(bytes(0xFE, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0), neg.encode());
    }

    @Test
    void ofRejectsValuesOutsideUint32() {
        assertThrows(IllegalArgumentException.class, () -> BlightHeader.of(BlightType.ACK, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> BlightHeader.of(BlightType.ACK, 1L << 32, 0));
        assertThrows(IllegalArgumentException.class, () -> BlightHeader.of(BlightType.ACK, 0, 1L << 32));
    }

    @Test
    void byteBufferRoundTripAtPositionIgnoringBufferOrder() {
        long seed = BlightStreams.seed();
        Random r = new Random(seed);
        for (int i = 0; i < 500; i++) {
            BlightHeader h = new BlightHeader(r.nextInt(), r.nextInt(), r.nextInt());
            int pos = r.nextInt(5);
            ByteBuffer b = r.nextBoolean() ? ByteBuffer.allocate(pos + 12 + 3) : ByteBuffer.allocateDirect(pos + 12 + 3);
            b.order(r.nextBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            ByteOrder before = b.order();
            b.position(pos);
            h.encode(b);
            assertEquals(pos + 12, b.position(), "seed " + seed);
            assertEquals(before, b.order(), "seed " + seed);
            byte[] raw = new byte[12];
            b.get(pos, raw);
            assertArrayEquals(h.encode(), raw, "seed " + seed);
            b.position(pos);
            assertEquals(h, BlightHeader.decode(b), "seed " + seed);
            assertEquals(pos + 12, b.position(), "seed " + seed);
            byte[] arr = new byte[20];
            h.encode(arr, 8);
            assertEquals(h, BlightHeader.decode(arr, 8), "seed " + seed);
        }
    }

    @Test
    void shortBuffersFailWithoutSideEffects() {
        ByteBuffer small = ByteBuffer.allocate(11);
        assertThrows(BufferOverflowException.class, () -> new BlightHeader(1, 1, 1).encode(small));
        assertEquals(0, small.position());
        assertArrayEquals(new byte[11], small.array());
        assertThrows(BufferUnderflowException.class, () -> BlightHeader.decode(small));
        assertEquals(0, small.position());
        assertThrows(IndexOutOfBoundsException.class, () -> BlightHeader.decode(new byte[12], 1));
        assertThrows(IndexOutOfBoundsException.class, () -> new BlightHeader(1, 1, 1).encode(new byte[12], 1));
    }

    /** Expected fault for (type, size) by the protocol rules, written out independently. */
    private static Fault expectedFault(int type, long size) {
        if (type < 1 || type > 11) {
            return Fault.UNKNOWN_TYPE;
        }
        if (size > MAX) {
            return Fault.OVERSIZE;
        }
        if (size == 0 && Set.of(3, 4, 5, 6, 8, 9, 10).contains(type)) {
            return Fault.MISSING_PAYLOAD;
        }
        return null;
    }

    @Test
    void everyValidityRule() {
        int[] types = {Integer.MIN_VALUE, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 42, Integer.MAX_VALUE};
        long[] sizes = {0, 1, 36, MAX - 1, MAX, MAX + 1, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL};
        int checkedValid = 0;
        for (int type : types) {
            for (long size : sizes) {
                BlightHeader h = new BlightHeader(type, 5, (int) size);
                Fault expected = expectedFault(type, size);
                BlightProtocolException p = h.problem(MAX);
                String where = "type " + type + " size " + size;
                if (expected == null) {
                    assertNull(p, where);
                    assertNull(h.validate(MAX), where);
                    checkedValid++;
                } else {
                    assertNotNull(p, where);
                    assertEquals(expected, p.fault(), where);
                    assertSame(h, p.header(), where);
                    assertEquals(p.getMessage(), h.validate(MAX), where);
                }
            }
        }
        // 11 types x the 4 sizes 1, 36, MAX-1, MAX, plus size 0 for the 4 types without required payload
        assertEquals(11 * 4 + 4, checkedValid);
    }

    @Test
    void validityRespectsTheGivenMaximum() {
        BlightHeader h = new BlightHeader(3, 1, 100);
        assertNull(h.validate(100));
        assertEquals("message size 100 exceeds the maximum 99 (Repaint, ackid 1)", h.validate(99));
        assertEquals(Fault.MISSING_PAYLOAD, new BlightHeader(3, 1, 0).problem(0).fault());
        assertNull(new BlightHeader(2, 1, 0).validate(0));
    }

    @Test
    void errorMessagesNameFaultAndFields() {
        assertEquals("unknown message type 42 (ackid 7, size 0)", new BlightHeader(42, 7, 0).validate(MAX));
        assertEquals("unknown message type -1 (ackid 4294967295, size 4294967295)",
                new BlightHeader(-1, -1, -1).validate(MAX));
        assertEquals("invalid message type 0 (ackid 7, size 3)", new BlightHeader(0, 7, 3).validate(MAX));
        assertEquals("Repaint (type 3) must carry a payload but size is 0 (ackid 3)",
                new BlightHeader(3, 3, 0).validate(MAX));
        assertEquals("Wait (type 10) must carry a payload but size is 0 (ackid 1)",
                new BlightHeader(10, 1, 0).validate(MAX));
        assertEquals("message size 100000000 exceeds the maximum 67108864 (Repaint, ackid 9)",
                new BlightHeader(3, 9, 100_000_000).validate(MAX));
        // unknown type wins over oversize: the size of an unknown type means nothing
        assertEquals(Fault.UNKNOWN_TYPE, new BlightHeader(12, 9, -1).problem(MAX).fault());
    }

    @Test
    void toStringShowsUnsignedFieldsAndName() {
        assertEquals("BlightHeader[type=3 Repaint, ackid=4294967295, size=36]", new BlightHeader(3, -1, 36).toString());
        assertEquals("BlightHeader[type=99, ackid=1, size=0]", new BlightHeader(99, 1, 0).toString());
    }

    @Test
    void recordEqualityIsByFields() {
        assertEquals(new BlightHeader(1, 2, 3), new BlightHeader(1, 2, 3));
        assertEquals(false, new BlightHeader(1, 2, 3).equals(new BlightHeader(1, 2, 4)));
        assertEquals(false, Arrays.equals(new BlightHeader(1, 2, 3).encode(), new BlightHeader(1, 3, 3).encode()));
    }
}
