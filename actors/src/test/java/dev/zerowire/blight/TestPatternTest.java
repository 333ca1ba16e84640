package dev.zerowire.blight;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TestPatternTest {

    @Test
    void handComputedBytes() {
        // ackid 1: 31, 32, ...; ackid 9: 9*31 = 279 -> 23
        assertArrayEquals(new byte[] {31, 32, 33, 34}, TestPattern.payload(1, 4));
        assertArrayEquals(new byte[] {23, 24, 25}, TestPattern.payload(9, 3));
        byte[] p = TestPattern.payload(1, 300);
        assertEquals((byte) 255, p[224]);
        assertEquals(0, p[225]);
        assertEquals(31, p[256]);
        assertArrayEquals(new byte[0], TestPattern.payload(5, 0));
    }

    @Test
    void rawIntAndUnsignedAckidAgree() {
        // 4294967295 * 31 mod 256 = -31 mod 256 = 225
        assertEquals((byte) 225, TestPattern.byteAt(4294967295L, 0));
        assertEquals((byte) 225, TestPattern.byteAt(-1, 0));
        assertArrayEquals(TestPattern.payload(-1, 50), TestPattern.payload(4294967295L, 50));
        assertArrayEquals(TestPattern.payload(Integer.MIN_VALUE, 50), TestPattern.payload(2147483648L, 50));
    }

    @Test
    void byteAtMatchesFormula() {
        long seed = BlightStreams.seed();
        Random r = new Random(seed);
        for (int i = 0; i < 1000; i++) {
            long k = Integer.toUnsignedLong(r.nextInt());
            long idx = r.nextInt(1 << 20);
            assertEquals((byte) ((k * 31 + idx) & 0xff), TestPattern.byteAt(k, idx), "seed " + seed);
        }
    }

    @Test
    void verifyFindsFirstBadByte() {
        byte[] p = TestPattern.payload(77, 1000);
        assertEquals(-1, TestPattern.verify(77, p));
        assertEquals(0, TestPattern.verify(78, p));
        p[600]++;
        p[700]++;
        assertEquals(600, TestPattern.verify(77, p));
        assertEquals(-1, TestPattern.verify(77, 0, p, 0, 600));
        assertEquals(100, TestPattern.verify(77, 500, p, 500, 300));
    }

    @Test
    void partialFillsContinueThePattern() {
        byte[] whole = TestPattern.payload(12345, 500);
        byte[] pieces = new byte[500];
        TestPattern.fill(12345, 0, pieces, 0, 123);
        TestPattern.fill(12345, 123, pieces, 123, 377);
        assertArrayEquals(whole, pieces);
        ByteBuffer heap = ByteBuffer.allocate(510);
        heap.position(10);
        TestPattern.fill(12345, heap);
        assertEquals(510, heap.position());
        ByteBuffer direct = ByteBuffer.allocateDirect(500);
        direct.limit(200);
        TestPattern.fill(12345, direct);
        direct.limit(500);
        TestPattern.fill(12345, 200, direct);
        byte[] got = new byte[500];
        direct.get(0, got);
        assertArrayEquals(whole, got);
        byte[] gotHeap = new byte[500];
        heap.get(10, gotHeap);
        assertArrayEquals(whole, gotHeap);
    }

    @Test
    void bufferVerifyDoesNotMovePosition() {
        ByteBuffer direct = ByteBuffer.allocateDirect(300);
        direct.position(5);
        TestPattern.fill(3, direct);
        direct.position(5);
        assertEquals(-1, TestPattern.verify(3, direct));
        assertEquals(5, direct.position());
        direct.put(5 + 42, (byte) 0);
        assertEquals(42, TestPattern.verify(3, direct));
        assertEquals(5, direct.position());
        ByteBuffer heap = ByteBuffer.wrap(TestPattern.payload(3, 300));
        heap.position(10);
        assertEquals(-1, TestPattern.verify(3, 10, heap));
        assertEquals(0, TestPattern.verify(3, heap));
        assertEquals(-1, TestPattern.verify(3, 10, heap.asReadOnlyBuffer()));
        assertEquals(10, heap.position());
    }
}
