package dev.zerowire.blight;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The shared conformance vector: 1000 Repaint messages, ackids 1..1000, each with a 4096-byte
 * {@link TestPattern} payload; FNV-1a 64 over every payload byte in message order must be
 * {@code 55466ec31630c325} (also computed independently outside Java).
 */
class ConformanceVectorTest {

    static final String EXPECTED = "55466ec31630c325";
    static final int MESSAGES = 1000;
    static final int PAYLOAD = 4096;

    @Test
    void patternHashMatchesVector() {
        Fnv1a64 f = new Fnv1a64();
        for (int k = 1; k <= MESSAGES; k++) {
            f.update(TestPattern.payload(k, PAYLOAD));
        }
        assertEquals(EXPECTED, f.hex());
        assertEquals((long) MESSAGES * PAYLOAD, f.count());
    }

    @Test
    void encodedStreamDecodesToVector() {
        ByteBuffer stream = ByteBuffer.allocate(MESSAGES * (BlightHeader.SIZE + PAYLOAD));
        for (int k = 1; k <= MESSAGES; k++) {
            BlightEncoder.putHeader(stream, BlightType.REPAINT, k, PAYLOAD);
            ByteBuffer payload = stream.slice(stream.position(), PAYLOAD);
            TestPattern.fill(k, payload);
            stream.position(stream.position() + PAYLOAD);
        }
        byte[] bytes = stream.array();

        long seed = BlightStreams.seed();
        Random r = new Random(seed);
        Fnv1a64 f = new Fnv1a64();
        long[] nextAckid = {1};
        BlightDecoder d = new BlightDecoder(frame -> {
            assertEquals(BlightType.REPAINT, frame.type(), "seed " + seed);
            assertEquals(nextAckid[0]++, frame.ackid(), "seed " + seed);
            assertEquals(-1, TestPattern.verify(frame.ackid(), frame.payload()), "seed " + seed);
            f.update(frame.payload());
        });
        BlightStreams.feedInChunks(d, bytes, r, 3);
        d.endOfStream();
        assertEquals(MESSAGES, d.messagesDecoded(), "seed " + seed);
        assertEquals(bytes.length, d.bytesDecoded(), "seed " + seed);
        assertEquals(EXPECTED, f.hex(), "seed " + seed);
    }
}
