package dev.zerowire.blight;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The message types of the blight protocol, with the wire code libblight_protocol gives each
 * ({@code BlightMessageType}: Invalid = 0 ... Focus = 11).
 *
 * <p>Why an enum beside the raw code: a header carries the code as a raw {@code int32}, and a peer
 * may send any value, so {@link BlightHeader} keeps the raw code and this enum names the known ones.
 * Lookups of unknown codes return {@code null} / empty rather than throwing, because an unknown code
 * is a protocol fault the decoder reports itself.
 *
 * <p>What must stay true: {@link #code()} equals libblight's enum value and {@link #ordinal()}
 * (the constants are declared in wire order); {@link #INVALID} is never valid on the wire;
 * {@link #needsPayload()} is exactly Repaint, Move, Info, Delete, Raise, Lower, Wait;
 * {@link #libblightWaitsForAck()} is exactly Ping, Info, Delete, List, Wait.
 */
public enum BlightType {
    /** Code 0: libblight's placeholder for "no message"; never valid on the wire. */
    INVALID(0, "Invalid", false, false),
    /** Code 1: the server's answer to a message, same ackid, optional data. Never acked itself. */
    ACK(1, "Ack", false, false),
    /** Code 2: liveness check; no payload. */
    PING(2, "Ping", false, true),
    /** Code 3: repaint a surface region; payload is a {@link Repaint}. */
    REPAINT(3, "Repaint", true, false),
    /** Code 4: move a surface; payload is a {@link Move}. */
    MOVE(4, "Move", true, false),
    /** Code 5: ask for a surface's info; payload a uint16 surface id, ack data a {@link SurfaceInfo}. */
    INFO(5, "Info", true, true),
    /** Code 6: delete a surface; payload a uint16 surface id. */
    DELETE(6, "Delete", true, true),
    /** Code 7: list the client's surfaces; ack data is an array of uint16 surface ids. */
    LIST(7, "List", false, true),
    /** Code 8: raise a surface; payload a uint16 surface id. */
    RAISE(8, "Raise", true, false),
    /** Code 9: lower a surface; payload a uint16 surface id. */
    LOWER(9, "Lower", true, false),
    /** Code 10: wait for a repaint marker to complete; payload a uint32 marker. */
    WAIT(10, "Wait", true, true),
    /** Code 11: focus. */
    FOCUS(11, "Focus", false, false);

    /** Smallest code that is valid on the wire. */
    public static final int MIN_VALID_CODE = 1;
    /** Largest code that is valid on the wire. */
    public static final int MAX_VALID_CODE = 11;

    private static final BlightType[] BY_CODE = values();

    private final int code;
    private final String wireName;
    private final boolean needsPayload;
    private final boolean libblightWaitsForAck;

    BlightType(int code, String wireName, boolean needsPayload, boolean libblightWaitsForAck) {
        this.code = code;
        this.wireName = wireName;
        this.needsPayload = needsPayload;
        this.libblightWaitsForAck = libblightWaitsForAck;
    }

    /** The raw {@code int32} code on the wire. */
    public int code() {
        return code;
    }

    /** libblight's own name for the type, e.g. {@code "Repaint"}; used in error messages. */
    public String wireName() {
        return wireName;
    }

    /** The lowercase command-line name, e.g. {@code "repaint"}; {@link #parse(String)} reads it back. */
    public String cliName() {
        return wireName.toLowerCase(Locale.ROOT);
    }

    /** Whether a header of this type is invalid with {@code size == 0}. */
    public boolean needsPayload() {
        return needsPayload;
    }

    /** Whether libblight's client blocks for the server's ack after sending this type. */
    public boolean libblightWaitsForAck() {
        return libblightWaitsForAck;
    }

    /** Whether the server answers this type with an {@link #ACK}: every valid type but Ack itself. */
    public boolean serverAcks() {
        return this != ACK && this != INVALID;
    }

    /** Whether this type may appear in a header on the wire (everything but {@link #INVALID}). */
    public boolean validOnWire() {
        return this != INVALID;
    }

    /**
     * The type with the given raw code, or {@code null} when no type has it. Note code 0 gives
     * {@link #INVALID}, which is known but not {@linkplain #validOnWire() valid on the wire}.
     */
    public static BlightType fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** {@link #fromCode(int)} as an {@link Optional}. */
    public static Optional<BlightType> lookup(int code) {
        return Optional.ofNullable(fromCode(code));
    }

    /**
     * The type with the given command-line name, compared case-insensitively ({@code "repaint"},
     * {@code "Repaint"}, {@code "REPAINT"}), or empty.
     */
    public static Optional<BlightType> fromCliName(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (BlightType t : BY_CODE) {
            if (t.cliName().equals(n)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /**
     * Like {@link #fromCliName(String)} but throws {@link IllegalArgumentException} listing the
     * accepted names, for command-line parsing.
     */
    public static BlightType parse(String name) {
        return fromCliName(name).orElseThrow(() -> new IllegalArgumentException(
                "unknown blight message type '" + name + "'; expected one of "
                        + Arrays.stream(BY_CODE).map(BlightType::cliName).collect(Collectors.joining(", "))));
    }
}
