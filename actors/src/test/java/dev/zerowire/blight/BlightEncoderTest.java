package dev.zerowire.blight;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BlightEncoderTest {

    @Test
    void messageIsHeaderThenPayload() {
        byte[] payload = BlightPayloads.encodeMarker(0xAABBCCDDL);
        byte[] msg = BlightEncoder.message(BlightType.WAIT, 77, payload);
        assertEquals(16, msg.length);
        assertEquals(new BlightHeader(10, 77, 4), BlightHeader.decode(msg, 0));
        assertArrayEquals(payload, java.util.Arrays.copyOfRange(msg, 12, 16));
        assertArrayEquals(BlightEncoder.encodeHeader(BlightType.WAIT, 77, 4), java.util.Arrays.copyOf(msg, 12));
    }

    @Test
    void emptyMessagesAndAcks() {
        assertArrayEquals(new BlightHeader(2, 5, 0).encode(), BlightEncoder.message(BlightType.PING, 5));
        byte[] ack = BlightEncoder.ack(0xFFFF_FFFFL, BlightPayloads.encodeSurfaceIds(3, 4));
        assertEquals(new BlightHeader(1, -1, 4), BlightHeader.decode(ack, 0));
    }

    @Test
    void putMessageWritesAtPositionOrNothing() {
        ByteBuffer b = ByteBuffer.allocate(30);
        b.position(3);
        BlightEncoder.putMessage(b, BlightType.INFO, 1, BlightPayloads.encodeSurfaceId(9));
        assertEquals(3 + 14, b.position());
        ByteBuffer tooSmall = ByteBuffer.allocate(13);
        assertThrows(BufferOverflowException.class,
                () -> BlightEncoder.putMessage(tooSmall, BlightType.INFO, 1, BlightPayloads.encodeSurfaceId(9)));
        assertEquals(0, tooSmall.position());
        assertArrayEquals(new byte[13], tooSmall.array());
        ByteBuffer h = ByteBuffer.allocate(12);
        BlightEncoder.putHeader(h, BlightType.LIST, 2, 0);
        assertArrayEquals(new BlightHeader(7, 2, 0).encode(), h.array());
    }

    @Test
    void refusesMessagesTheDecoderWouldReject() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BlightEncoder.message(BlightType.REPAINT, 3, new byte[0]));
        assertEquals("Repaint (type 3) must carry a payload but its length is 0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BlightEncoder.message(BlightType.INVALID, 1));
        assertThrows(IllegalArgumentException.class, () -> BlightEncoder.message(BlightType.PING, -1));
        assertThrows(IllegalArgumentException.class, () -> BlightEncoder.message(BlightType.PING, 1L << 32));
        assertThrows(IllegalArgumentException.class, () -> BlightEncoder.header(BlightType.ACK, 1, 1L << 32));
        assertEquals(new BlightHeader(1, 1, -1), BlightEncoder.header(BlightType.ACK, 1, 0xFFFF_FFFFL));
    }

    @Test
    void everyEncodableMessageDecodesBack() {
        List<BlightFrame> out = new ArrayList<>();
        BlightDecoder d = new BlightDecoder(out::add);
        int ackid = 0;
        List<BlightFrame> expected = new ArrayList<>();
        for (BlightType t : BlightType.values()) {
            if (!t.validOnWire()) {
                continue;
            }
            byte[] payload = TestPattern.payload(++ackid, t.needsPayload() ? 5 : 0);
            d.feed(BlightEncoder.message(t, ackid, payload));
            expected.add(new BlightFrame(BlightEncoder.header(t, ackid, payload.length), payload));
        }
        d.endOfStream();
        assertEquals(expected, out);
        assertEquals(11, out.size());
    }
}
