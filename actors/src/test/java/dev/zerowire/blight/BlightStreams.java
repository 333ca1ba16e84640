package dev.zerowire.blight;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Test helpers: random valid messages and feeding a byte stream to a decoder in random chunks. */
final class BlightStreams {

    private BlightStreams() {
    }

    /**
     * Seed for a randomized test: {@code -Dblight.seed=N} replays a failure, otherwise a fresh one.
     * Tests put it in every assertion message.
     */
    static long seed() {
        Long fixed = Long.getLong("blight.seed");
        return fixed != null ? fixed : new Random().nextLong();
    }

    /** A stream of valid messages and the frames it must decode to. */
    record Stream(byte[] bytes, List<BlightFrame> frames) {
    }

    /** Random valid frames, payload sizes mostly small, some up to {@code maxPayload}. */
    static Stream randomValid(Random r, int messages, int maxPayload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<BlightFrame> frames = new ArrayList<>();
        for (int i = 0; i < messages; i++) {
            BlightType t = BlightType.fromCode(1 + r.nextInt(11));
            int size = r.nextInt(4) == 0 ? r.nextInt(maxPayload + 1) : r.nextInt(Math.min(40, maxPayload) + 1);
            if (size == 0 && t.needsPayload()) {
                size = 1;
            }
            byte[] payload = new byte[size];
            r.nextBytes(payload);
            long ackid = Integer.toUnsignedLong(r.nextInt());
            byte[] msg = BlightEncoder.message(t, ackid, payload);
            out.writeBytes(msg);
            frames.add(new BlightFrame(BlightHeader.of(t, ackid, size), payload));
        }
        return new Stream(out.toByteArray(), frames);
    }

    /**
     * Feeds {@code stream} to {@code decoder} in random chunks. Style 0: 1-byte chunks; 1: small;
     * 2: anything up to the rest; 3: mixed. Chunks vary between heap, offset slices, direct and
     * big-endian buffers, and each must be fully consumed. Exceptions propagate.
     */
    static void feedInChunks(BlightDecoder decoder, byte[] stream, Random r, int style) {
        int pos = 0;
        while (pos < stream.length) {
            int rest = stream.length - pos;
            int s = style == 3 ? r.nextInt(3) : style;
            int n = switch (s) {
                case 0 -> 1;
                case 1 -> 1 + r.nextInt(Math.min(rest, 17));
                default -> 1 + r.nextInt(rest);
            };
            n = Math.min(n, rest);
            ByteBuffer chunk = chunk(stream, pos, n, r);
            pos += n;
            decoder.feed(chunk);
            if (chunk.hasRemaining()) {
                throw new AssertionError("feed left " + chunk.remaining() + " bytes unconsumed");
            }
        }
    }

    private static ByteBuffer chunk(byte[] stream, int pos, int n, Random r) {
        switch (r.nextInt(4)) {
            case 0:
                return ByteBuffer.wrap(stream, pos, n);
            case 1: {
                // a slice whose array offset and position are both nonzero
                byte[] big = new byte[n + 7];
                System.arraycopy(stream, pos, big, 5, n);
                ByteBuffer b = ByteBuffer.wrap(big, 2, n + 5).slice();
                b.position(3).limit(3 + n);
                return b;
            }
            case 2: {
                ByteBuffer d = ByteBuffer.allocateDirect(n);
                d.put(stream, pos, n).flip();
                return d;
            }
            default: {
                ByteBuffer b = ByteBuffer.wrap(stream, pos, n).order(
                        ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
                return r.nextBoolean() ? b : b.asReadOnlyBuffer();
            }
        }
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
