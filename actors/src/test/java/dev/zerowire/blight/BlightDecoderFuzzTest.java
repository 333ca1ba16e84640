package dev.zerowire.blight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.zerowire.blight.BlightProtocolException.Fault;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Mutated and garbage streams, fed in random splits, must either decode or fail with exactly one
 * {@link BlightProtocolException} — never another exception, never a hang — and must agree with a
 * whole-stream reference decoder written here independently of the production code.
 */
class BlightDecoderFuzzTest {

    private static final List<String> NAMES = List.of(
            "Invalid", "Ack", "Ping", "Repaint", "Move", "Info", "Delete", "List", "Raise", "Lower", "Wait", "Focus");
    private static final Set<Integer> NEEDS_PAYLOAD = Set.of(3, 4, 5, 6, 8, 9, 10);

    /** What a stream must decode to: frames, then either a clean end or one fault. */
    record Outcome(List<BlightFrame> frames, Fault fault, String message) {
    }

    /** Reference decoder over the whole stream at once. */
    static Outcome oracle(byte[] s, long max) {
        ByteBuffer b = ByteBuffer.wrap(s).order(ByteOrder.nativeOrder());
        List<BlightFrame> frames = new ArrayList<>();
        int pos = 0;
        while (true) {
            int left = s.length - pos;
            if (left == 0) {
                return new Outcome(frames, null, null);
            }
            if (left < 12) {
                return new Outcome(frames, Fault.TRUNCATED,
                        "stream ended mid-message: " + left + " of 12 header bytes");
            }
            int type = b.getInt(pos);
            long ackid = Integer.toUnsignedLong(b.getInt(pos + 4));
            long size = Integer.toUnsignedLong(b.getInt(pos + 8));
            if (type < 1 || type > 11) {
                return new Outcome(frames, Fault.UNKNOWN_TYPE, (type == 0 ? "invalid" : "unknown")
                        + " message type " + type + " (ackid " + ackid + ", size " + size + ")");
            }
            String name = NAMES.get(type);
            if (size > max) {
                return new Outcome(frames, Fault.OVERSIZE, "message size " + size + " exceeds the maximum "
                        + max + " (" + name + ", ackid " + ackid + ")");
            }
            if (size == 0 && NEEDS_PAYLOAD.contains(type)) {
                return new Outcome(frames, Fault.MISSING_PAYLOAD, name + " (type " + type
                        + ") must carry a payload but size is 0 (ackid " + ackid + ")");
            }
            if (left - 12 < size) {
                return new Outcome(frames, Fault.TRUNCATED, "stream ended mid-message: " + (left - 12) + " of "
                        + size + " payload bytes of " + name + " ackid " + ackid);
            }
            frames.add(new BlightFrame(new BlightHeader(type, (int) ackid, (int) size),
                    Arrays.copyOfRange(s, pos + 12, pos + 12 + (int) size)));
            pos += 12 + (int) size;
        }
    }

    /** Runs the incremental decoder; any throwable other than one BlightProtocolException fails. */
    static Outcome run(byte[] s, long max, Random r, int style, String where) {
        List<BlightFrame> out = new ArrayList<>();
        BlightDecoder d = new BlightDecoder(max, out::add);
        BlightProtocolException caught = null;
        try {
            BlightStreams.feedInChunks(d, s, r, style);
            d.endOfStream();
        } catch (BlightProtocolException e) {
            caught = e;
        } catch (Throwable t) {
            throw new AssertionError(where + ": unexpected " + t, t);
        }
        if (caught == null) {
            assertTrue(d.atMessageBoundary(), where);
            return new Outcome(out, null, null);
        }
        // failed for good: the very same exception again, and nothing more delivered
        BlightProtocolException e = caught;
        assertSame(e, d.failure(), where);
        try {
            d.feed(new byte[] {1, 2, 3});
            fail(where + ": feed after failure did not throw");
        } catch (BlightProtocolException again) {
            assertSame(e, again, where);
        }
        try {
            d.endOfStream();
            fail(where + ": endOfStream after failure did not throw");
        } catch (BlightProtocolException again) {
            assertSame(e, again, where);
        }
        assertEquals(out.size(), d.messagesDecoded(), where);
        return new Outcome(out, e.fault(), e.getMessage());
    }

    static byte[] mutate(byte[] s, Random r) {
        byte[] m = s.clone();
        int ops = 1 + r.nextInt(4);
        for (int i = 0; i < ops && m.length > 0; i++) {
            switch (r.nextInt(6)) {
                case 0 -> m[r.nextInt(m.length)] ^= (byte) (1 << r.nextInt(8));
                case 1 -> m[r.nextInt(m.length)] = (byte) r.nextInt();
                case 2 -> m = Arrays.copyOf(m, r.nextInt(m.length + 1));
                case 3 -> { // insert garbage
                    int at = r.nextInt(m.length + 1);
                    byte[] g = new byte[1 + r.nextInt(16)];
                    r.nextBytes(g);
                    m = BlightStreams.concat(Arrays.copyOf(m, at), g, Arrays.copyOfRange(m, at, m.length));
                }
                case 4 -> { // delete a run
                    int at = r.nextInt(m.length);
                    int n = Math.min(m.length - at, 1 + r.nextInt(16));
                    m = BlightStreams.concat(Arrays.copyOf(m, at), Arrays.copyOfRange(m, at + n, m.length));
                }
                default -> { // set a header-like field to a boundary value
                    int at = r.nextInt(Math.max(1, m.length - 3));
                    if (at + 4 <= m.length) {
                        int[] v = {0, 1, 11, 12, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 4096, 4097};
                        ByteBuffer.wrap(m).order(ByteOrder.nativeOrder()).putInt(at, v[r.nextInt(v.length)]);
                    }
                }
            }
        }
        return m;
    }

    /** Header-shaped garbage: small types around the valid range, small or wild sizes. */
    static byte[] headerishGarbage(Random r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int n = r.nextInt(8);
        for (int i = 0; i < n; i++) {
            int type = r.nextInt(14) - 1;
            int size = r.nextInt(5) == 0 ? r.nextInt() : r.nextInt(50);
            out.writeBytes(new BlightHeader(type, r.nextInt(), size).encode());
            byte[] body = new byte[r.nextInt(60)];
            r.nextBytes(body);
            out.writeBytes(body);
        }
        return out.toByteArray();
    }

    private static void check(byte[] s, long max, Random r, long seed, int i) {
        Outcome expected = oracle(s, max);
        int style = r.nextInt(4);
        String where = "seed " + seed + " case " + i + " style " + style + " max " + max + " stream "
                + (s.length <= 256 ? HexFormat.of().formatHex(s) : s.length + " bytes");
        Outcome got = run(s, max, r, style, where);
        assertEquals(expected.fault(), got.fault(), where);
        assertEquals(expected.message(), got.message(), where);
        assertEquals(expected.frames(), got.frames(), where);
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void mutatedValidStreams() {
        long seed = BlightStreams.seed();
        Random r = new Random(seed);
        int faults = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] s = mutate(BlightStreams.randomValid(r, 1 + r.nextInt(6), 200).bytes(), r);
            long max = r.nextInt(3) == 0 ? BlightWire.DEFAULT_MAX_PAYLOAD_SIZE : 256;
            check(s, max, r, seed, i);
            faults += oracle(s, max).fault() == null ? 0 : 1;
        }
        // the mix must exercise both outcomes, or the test proves little
        assertTrue(faults > 300 && faults < 2900, "faults " + faults + " seed " + seed);
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void garbageStreams() {
        long seed = BlightStreams.seed();
        Random r = new Random(seed);
        int[] byFault = new int[Fault.values().length];
        for (int i = 0; i < 3000; i++) {
            byte[] s;
            if (r.nextBoolean()) {
                s = new byte[r.nextInt(120)];
                r.nextBytes(s);
            } else {
                s = headerishGarbage(r);
            }
            long max = r.nextInt(4) == 0 ? BlightWire.DEFAULT_MAX_PAYLOAD_SIZE : 1024;
            check(s, max, r, seed, i);
            Fault f = oracle(s, max).fault();
            if (f != null) {
                byFault[f.ordinal()]++;
            }
        }
        // Only the wire-format faults: PAYLOAD_TIMEOUT and STALLED are limits, never a decoder's verdict.
        for (Fault f : java.util.EnumSet.range(Fault.UNKNOWN_TYPE, Fault.TRUNCATED)) {
            assertTrue(byFault[f.ordinal()] > 0, "no " + f + " case was generated, seed " + seed);
        }
    }
}
