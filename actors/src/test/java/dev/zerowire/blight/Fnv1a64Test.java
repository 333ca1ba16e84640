package dev.zerowire.blight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Fnv1a64Test {

    private static String hexOf(String s) {
        return new Fnv1a64().update(s.getBytes(StandardCharsets.US_ASCII)).hex();
    }

    @Test
    void publishedVectors() {
        assertEquals("cbf29ce484222325", new Fnv1a64().hex());
        assertEquals("af63dc4c8601ec8c", hexOf("a"));
        assertEquals("85944171f73967e8", hexOf("foobar"));
        assertEquals(0xcbf29ce484222325L, Fnv1a64.OFFSET_BASIS);
        assertEquals(0x100000001b3L, Fnv1a64.PRIME);
    }

    @Test
    void singleBytesUseUnsignedValue() {
        // 0xFF must be mixed in as 255, not sign-extended
        long expected = (Fnv1a64.OFFSET_BASIS ^ 0xFFL) * Fnv1a64.PRIME;
        assertEquals(expected, new Fnv1a64().update((byte) 0xFF).value());
        assertEquals(expected, new Fnv1a64().update(0x1FF).value());
        assertEquals(expected, Fnv1a64.hash(new byte[] {(byte) 0xFF}));
    }

    @Test
    void piecesEqualWholeForEveryInputForm() {
        long seed = BlightStreams.seed();
        Random r = new Random(seed);
        for (int round = 0; round < 200; round++) {
            byte[] data = new byte[r.nextInt(300)];
            r.nextBytes(data);
            long whole = Fnv1a64.hash(data);
            Fnv1a64 pieces = new Fnv1a64();
            int pos = 0;
            while (pos < data.length) {
                int n = 1 + r.nextInt(data.length - pos);
                switch (r.nextInt(4)) {
                    case 0 -> pieces.update(data, pos, n);
                    case 1 -> {
                        for (int i = pos; i < pos + n; i++) {
                            pieces.update(data[i]);
                        }
                    }
                    case 2 -> {
                        ByteBuffer d = ByteBuffer.allocateDirect(n + 4);
                        d.position(2);
                        d.put(data, pos, n);
                        d.position(2).limit(2 + n);
                        pieces.update(d);
                        assertEquals(2, d.position(), "seed " + seed);
                    }
                    default -> {
                        byte[] padded = new byte[n + 9];
                        System.arraycopy(data, pos, padded, 6, n);
                        ByteBuffer s = ByteBuffer.wrap(padded, 3, n + 6).slice(); // arrayOffset 3
                        s.position(3).limit(3 + n);
                        pieces.update(s);
                        assertEquals(3, s.position(), "seed " + seed);
                    }
                }
                pos += n;
            }
            assertEquals(whole, pieces.value(), "seed " + seed + " round " + round);
            assertEquals(data.length, pieces.count(), "seed " + seed);
        }
    }

    @Test
    void hexIsSixteenLowercaseDigitsWithLeadingZeros() {
        long seed = BlightStreams.seed();
        Random r = new Random(seed);
        boolean sawLeadingZero = false;
        for (int i = 0; i < 2000; i++) {
            byte[] in = new byte[1 + r.nextInt(8)];
            r.nextBytes(in);
            Fnv1a64 f = new Fnv1a64().update(in);
            String hex = f.hex();
            assertEquals(16, hex.length(), "seed " + seed);
            assertTrue(hex.matches("[0-9a-f]{16}"), hex);
            assertEquals(f.value(), Long.parseUnsignedLong(hex, 16), "seed " + seed);
            sawLeadingZero |= hex.charAt(0) == '0';
        }
        assertTrue(sawLeadingZero, "no value with a leading zero nibble among 2000, seed " + seed);
    }

    @Test
    void resetStartsOver() {
        Fnv1a64 f = new Fnv1a64().update(new byte[] {1, 2, 3});
        f.reset();
        assertEquals(Fnv1a64.OFFSET_BASIS, f.value());
        assertEquals(0, f.count());
        assertEquals("af63dc4c8601ec8c", f.update('a').hex());
    }
}
