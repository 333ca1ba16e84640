package dev.zerowire.blight;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.zerowire.blight.BlightProtocolException.Fault;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BlightDecoderTest {

    @Test
    void randomValidStreamsDecodeIdenticallyUnderAnySplit() {
        long seed = BlightStreams.seed();
        Random r = new Random(seed);
        for (int round = 0; round < 60; round++) {
            BlightStreams.Stream s = BlightStreams.randomValid(r, 1 + r.nextInt(40), 3000);
            for (int style = 0; style < 4; style++) {
                List<BlightFrame> out = new ArrayList<>();
                BlightDecoder d = new BlightDecoder(out::add);
                BlightStreams.feedInChunks(d, s.bytes(), r, style);
                d.endOfStream();
                String where = "seed " + seed + " round " + round + " style " + style;
                assertEquals(s.frames(), out, where);
                assertEquals(s.frames().size(), d.messagesDecoded(), where);
                assertEquals(s.bytes().length, d.bytesDecoded(), where);
                assertEquals(s.bytes().length, d.bytesConsumed(), where);
                assertTrue(d.atMessageBoundary(), where);
            }
        }
    }

    @Test
    void wholeStreamInOneChunk() {
        byte[] a = BlightEncoder.message(BlightType.PING, 1);
        byte[] b = BlightEncoder.message(BlightType.MOVE, 2, new Move(3, 4, 5).encode());
        byte[] c = BlightEncoder.ack(2, new SurfaceInfo(0, 0, 10, 10, 20, 4, 2.0).encode());
        List<BlightFrame> out = new ArrayList<>();
        BlightDecoder d = new BlightDecoder(out::add);
        ByteBuffer chunk = ByteBuffer.wrap(BlightStreams.concat(a, b, c));
        d.feed(chunk);
        assertFalse(chunk.hasRemaining());
        assertEquals(3, out.size());
        assertEquals(BlightType.PING, out.get(0).type());
        assertEquals(0, out.get(0).payload().length);
        assertEquals(new Move(3, 4, 5), Move.decode(out.get(1).payload()));
        assertEquals(BlightType.ACK, out.get(2).type());
        assertEquals(2.0, SurfaceInfo.decode(out.get(2).payload()).scale());
    }

    @Test
    void headerIsValidatedOnItsTwelfthByteBeforeAnyPayload() {
        byte[] bad = new BlightHeader(3, 3, 0).encode();
        List<BlightFrame> out = new ArrayList<>();
        BlightDecoder d = new BlightDecoder(out::add);
        for (int i = 0; i < 11; i++) {
            d.feed(bad, i, 1);
            assertFalse(d.failed(), "after byte " + i);
        }
        BlightProtocolException e = assertThrows(BlightProtocolException.class, () -> d.feed(bad, 11, 1));
        assertEquals(Fault.MISSING_PAYLOAD, e.fault());
        assertEquals("Repaint (type 3) must carry a payload but size is 0 (ackid 3)", e.getMessage());
        assertEquals(new BlightHeader(3, 3, 0), e.header());
        assertTrue(out.isEmpty());
    }

    @Test
    void unknownTypeIsRefusedEvenWithPayloadBytesAvailable() {
        byte[] stream = BlightStreams.concat(BlightEncoder.message(BlightType.PING, 1),
                new BlightHeader(42, 7, 0).encode(), BlightEncoder.message(BlightType.PING, 2));
        List<BlightFrame> out = new ArrayList<>();
        BlightDecoder d = new BlightDecoder(out::add);
        ByteBuffer chunk = ByteBuffer.wrap(stream);
        BlightProtocolException e = assertThrows(BlightProtocolException.class, () -> d.feed(chunk));
        assertEquals("unknown message type 42 (ackid 7, size 0)", e.getMessage());
        assertEquals(Fault.UNKNOWN_TYPE, e.fault());
        assertEquals(1, out.size(), "the message before the bad header is delivered");
        assertEquals(24, chunk.position(), "nothing after the bad header is consumed");
    }

    @Test
    void oversizeHeaderIsRefusedWithTheDefaultMaximum() {
        BlightDecoder d = new BlightDecoder(f -> {
            throw new AssertionError("no frame expected");
        });
        assertEquals(67108864L, d.maxPayloadSize());
        BlightProtocolException e = assertThrows(BlightProtocolException.class,
                () -> d.feed(BlightHeader.of(BlightType.REPAINT, 9, 0xFFFF_FFFFL).encode()));
        assertEquals(Fault.OVERSIZE, e.fault());
        assertEquals("message size 4294967295 exceeds the maximum 67108864 (Repaint, ackid 9)", e.getMessage());
        assertTrue(d.failed());
        assertSame(e, d.failure());
    }

    @Test
    void sizeAtTheMaximumIsAcceptedAndOneMoreIsNot() {
        List<BlightFrame> out = new ArrayList<>();
        BlightDecoder d = new BlightDecoder(100, out::add);
        d.feed(BlightEncoder.message(BlightType.ACK, 1, new byte[100]));
        assertEquals(1, out.size());
        BlightProtocolException e = assertThrows(BlightProtocolException.class,
                () -> d.feed(BlightEncoder.encodeHeader(BlightType.ACK, 2, 101)));
        assertEquals("message size 101 exceeds the maximum 100 (Ack, ackid 2)", e.getMessage());
    }

    private static long allocatedBy(Runnable r) {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled());
        long before = mx.getCurrentThreadAllocatedBytes();
        r.run();
        return mx.getCurrentThreadAllocatedBytes() - before;
    }

    @Test
    void oversizeIsRefusedWithoutAllocatingThePayload() {
        // control: a valid header and its first payload byte allocate one piece, so the measurement can see it
        BlightDecoder ok = new BlightDecoder(16 << 20, f -> { });
        byte[] start = java.util.Arrays.copyOf(BlightEncoder.encodeHeader(BlightType.ACK, 1, 8 << 20), 13);
        long control = allocatedBy(() -> ok.feed(start));
        assertTrue(control >= BlightDecoder.DEFAULT_PIECE_SIZE, "control allocated only " + control);
        // a 512 MiB header over a 16 MiB maximum must be refused without that allocation
        BlightDecoder d = new BlightDecoder(16 << 20, f -> { });
        byte[] header = BlightEncoder.encodeHeader(BlightType.ACK, 1, 512 << 20);
        long used = allocatedBy(() -> assertThrows(BlightProtocolException.class, () -> d.feed(header)));
        assertTrue(used < 1 << 20, "refusal allocated " + used + " bytes");
    }

    @Test
    void failureIsStickyAndTheSameInstance() {
        BlightDecoder d = new BlightDecoder(f -> { });
        BlightProtocolException e = assertThrows(BlightProtocolException.class,
                () -> d.feed(new BlightHeader(0, 1, 0).encode()));
        assertEquals("invalid message type 0 (ackid 1, size 0)", e.getMessage());
        assertSame(e, assertThrows(BlightProtocolException.class, () -> d.feed(new byte[0])));
        assertSame(e, assertThrows(BlightProtocolException.class,
                () -> d.feed(BlightEncoder.message(BlightType.PING, 2))));
        assertSame(e, assertThrows(BlightProtocolException.class, d::endOfStream));
        assertSame(e, d.failure());
    }

    @Test
    void truncatedAtEveryCutPoint() {
        byte[] first = BlightEncoder.message(BlightType.PING, 1);
        byte[] repaint = BlightEncoder.message(BlightType.REPAINT, 3,
                new Repaint(1, 2, 3, 4, 5, 6, 7, 8, 9).encode());
        byte[] stream = BlightStreams.concat(first, repaint);
        long seed = BlightStreams.seed();
        Random r = new Random(seed);
        for (int cut = 0; cut <= stream.length; cut++) {
            List<BlightFrame> out = new ArrayList<>();
            BlightDecoder d = new BlightDecoder(out::add);
            byte[] prefix = java.util.Arrays.copyOf(stream, cut);
            BlightStreams.feedInChunks(d, prefix, r, 3);
            String where = "cut " + cut + " seed " + seed;
            int inMessage = cut <= 12 ? cut : cut - 12;
            boolean boundary = cut == 0 || cut == 12 || cut == stream.length;
            assertEquals(boundary, d.atMessageBoundary(), where);
            assertEquals(cut, d.bytesConsumed(), where);
            if (boundary) {
                d.endOfStream();
                assertEquals(cut == 0 ? 0 : cut == 12 ? 1 : 2, out.size(), where);
                continue;
            }
            BlightProtocolException e = assertThrows(BlightProtocolException.class, d::endOfStream, where);
            assertEquals(Fault.TRUNCATED, e.fault(), where);
            if (inMessage < 12) {
                assertEquals("stream ended mid-message: " + inMessage + " of 12 header bytes", e.getMessage(), where);
                assertNull(e.header(), where);
            } else {
                assertEquals("stream ended mid-message: " + (inMessage - 12)
                        + " of 36 payload bytes of Repaint ackid 3", e.getMessage(), where);
                assertEquals(new BlightHeader(3, 3, 36), e.header(), where);
            }
            assertSame(e, assertThrows(BlightProtocolException.class, d::endOfStream, where));
            assertSame(e, assertThrows(BlightProtocolException.class, () -> d.feed(new byte[1]), where));
        }
    }

    @Test
    void truncatedLargePayloadMessage() {
        BlightDecoder d = new BlightDecoder(f -> { });
        d.feed(BlightEncoder.encodeHeader(BlightType.REPAINT, 3, 4096));
        d.feed(new byte[100]);
        BlightProtocolException e = assertThrows(BlightProtocolException.class, d::endOfStream);
        assertEquals("stream ended mid-message: 100 of 4096 payload bytes of Repaint ackid 3", e.getMessage());
        BlightDecoder h = new BlightDecoder(f -> { });
        h.feed(new byte[5]);
        assertEquals("stream ended mid-message: 5 of 12 header bytes",
                assertThrows(BlightProtocolException.class, h::endOfStream).getMessage());
    }

    @Test
    void cleanEndThenFeedIsAProgrammingError() {
        BlightDecoder d = new BlightDecoder(f -> { });
        d.feed(BlightEncoder.message(BlightType.PING, 1));
        d.endOfStream();
        d.endOfStream();
        assertThrows(IllegalStateException.class, () -> d.feed(new byte[1]));
        assertFalse(d.failed());
    }

    @Test
    void sinkExceptionLeavesChunkJustPastTheDeliveredFrame() {
        byte[] stream = BlightStreams.concat(BlightEncoder.message(BlightType.PING, 1),
                BlightEncoder.message(BlightType.WAIT, 2, BlightPayloads.encodeMarker(5)),
                BlightEncoder.message(BlightType.PING, 3));
        List<BlightFrame> out = new ArrayList<>();
        BlightDecoder d = new BlightDecoder(f -> {
            out.add(f);
            if (f.ackid() == 2) {
                throw new IllegalStateException("sink refused");
            }
        });
        ByteBuffer chunk = ByteBuffer.wrap(stream);
        assertThrows(IllegalStateException.class, () -> d.feed(chunk));
        assertEquals(12 + 16, chunk.position());
        assertFalse(d.failed());
        d.feed(chunk);
        d.endOfStream();
        assertEquals(List.of(1L, 2L, 3L), out.stream().map(BlightFrame::ackid).toList());
        assertEquals(5L, BlightPayloads.decodeMarker(out.get(1).payload()));
    }

    @Test
    void sinkMayNotReenterTheDecoder() {
        BlightDecoder[] self = new BlightDecoder[1];
        self[0] = new BlightDecoder(f -> self[0].feed(new byte[1]));
        assertThrows(IllegalStateException.class, () -> self[0].feed(BlightEncoder.message(BlightType.PING, 1)));
    }

    @Test
    void countersTrackPartialAndCompleteMessages() {
        BlightDecoder d = new BlightDecoder(f -> { });
        byte[] msg = BlightEncoder.message(BlightType.INFO, 4, BlightPayloads.encodeSurfaceId(1));
        d.feed(msg, 0, 13);
        assertEquals(13, d.bytesConsumed());
        assertEquals(0, d.bytesDecoded());
        assertEquals(0, d.messagesDecoded());
        assertFalse(d.atMessageBoundary());
        d.feed(msg, 13, 1);
        assertEquals(14, d.bytesConsumed());
        assertEquals(14, d.bytesDecoded());
        assertEquals(1, d.messagesDecoded());
        assertTrue(d.atMessageBoundary());
    }

    @Test
    void unsignedAckidsSurviveDecoding() {
        List<BlightFrame> out = new ArrayList<>();
        BlightDecoder d = new BlightDecoder(out::add);
        d.feed(BlightEncoder.message(BlightType.LIST, 0xFFFF_FFFEL));
        assertEquals(4294967294L, out.get(0).ackid());
        assertArrayEquals(new byte[0], out.get(0).payload());
    }

    @Test
    void maximumMustBeAllocatable() {
        assertThrows(IllegalArgumentException.class, () -> new BlightDecoder(-1, f -> { }));
        assertThrows(IllegalArgumentException.class, () -> new BlightDecoder(Integer.MAX_VALUE, f -> { }));
        assertEquals(BlightWire.MAX_ARRAY_SIZE, new BlightDecoder(BlightWire.MAX_ARRAY_SIZE, f -> { }).maxPayloadSize());
    }

    @Test
    void frameChecksPayloadLength() {
        assertThrows(IllegalArgumentException.class, () -> new BlightFrame(new BlightHeader(2, 1, 1), new byte[0]));
        BlightFrame f = new BlightFrame(new BlightHeader(1, 1, 2), new byte[] {1, 2});
        assertEquals(f, new BlightFrame(new BlightHeader(1, 1, 2), new byte[] {1, 2}));
        assertEquals(f.hashCode(), new BlightFrame(new BlightHeader(1, 1, 2), new byte[] {1, 2}).hashCode());
        assertFalse(f.equals(new BlightFrame(new BlightHeader(1, 1, 2), new byte[] {1, 3})));
        assertArrayEquals(BlightEncoder.ack(1, new byte[] {1, 2}), f.toBytes());
    }
}
