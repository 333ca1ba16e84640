package dev.zerowire.blight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BlightTypeTest {

    /** libblight's BlightMessageType, in order, written out by hand. */
    private static final List<String> LIBBLIGHT_NAMES = List.of(
            "Invalid", "Ack", "Ping", "Repaint", "Move", "Info", "Delete", "List", "Raise", "Lower", "Wait", "Focus");

    @Test
    void codesMatchLibblightEnum() {
        assertEquals(LIBBLIGHT_NAMES.size(), BlightType.values().length);
        for (int code = 0; code < LIBBLIGHT_NAMES.size(); code++) {
            BlightType t = BlightType.fromCode(code);
            assertEquals(code, t.code(), "code of " + t);
            assertEquals(LIBBLIGHT_NAMES.get(code), t.wireName());
            assertEquals(LIBBLIGHT_NAMES.get(code).toLowerCase(), t.cliName());
            assertEquals(Optional.of(t), BlightType.lookup(code));
        }
        assertEquals(3, BlightType.REPAINT.code());
        assertEquals(11, BlightType.FOCUS.code());
    }

    @Test
    void unknownCodesGiveNullOrEmpty() {
        for (int code : new int[] {-1, 12, 13, 42, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            assertNull(BlightType.fromCode(code), "code " + code);
            assertTrue(BlightType.lookup(code).isEmpty(), "code " + code);
        }
    }

    @Test
    void needsPayloadIsExactlyTheDocumentedSet() {
        Set<Integer> expected = Set.of(3, 4, 5, 6, 8, 9, 10);
        for (BlightType t : BlightType.values()) {
            assertEquals(expected.contains(t.code()), t.needsPayload(), t.wireName());
        }
    }

    @Test
    void libblightWaitsForAckOnPingInfoDeleteListWait() {
        Set<Integer> expected = Set.of(2, 5, 6, 7, 10);
        for (BlightType t : BlightType.values()) {
            assertEquals(expected.contains(t.code()), t.libblightWaitsForAck(), t.wireName());
        }
    }

    @Test
    void serverAcksEverythingButAckAndOnlyInvalidIsInvalid() {
        for (BlightType t : BlightType.values()) {
            assertEquals(t.code() >= 2, t.serverAcks(), t.wireName());
            assertEquals(t.code() != 0, t.validOnWire(), t.wireName());
        }
    }

    @Test
    void cliNamesRoundTripCaseInsensitively() {
        for (BlightType t : BlightType.values()) {
            assertSame(t, BlightType.parse(t.cliName()));
            assertSame(t, BlightType.parse(t.wireName().toUpperCase()));
            assertSame(t, BlightType.parse(" " + t.wireName() + " "));
        }
        assertEquals("repaint", BlightType.REPAINT.cliName());
    }

    @Test
    void parseRejectsUnknownNamesListingTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BlightType.parse("repaints"));
        assertTrue(e.getMessage().contains("'repaints'"), e.getMessage());
        assertTrue(e.getMessage().contains("ack, ping, repaint, move"), e.getMessage());
        assertTrue(BlightType.fromCliName(null).isEmpty());
        assertTrue(BlightType.fromCliName("").isEmpty());
        assertFalse(BlightType.fromCliName("3").isPresent());
    }
}
