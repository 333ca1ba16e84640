package dev.zerowire.actors;

import java.util.Locale;

/** How a socket sends: the per-socket zero-copy policy. */
public enum SendMode {
  /** MSG_ZEROCOPY for every send of at least the threshold; smaller sends are copied. */
  ZEROCOPY,
  /** Never MSG_ZEROCOPY: buffers are released as soon as the kernel has copied them. */
  COPY,
  /**
   * Zero copy at or above the threshold until completions keep coming back COPIED (the kernel
   * copied anyway, e.g. loopback), then copy; probe zero copy again after a while.
   */
  ADAPTIVE;

  /** Parses "zerocopy", "copy" or "adaptive" (any case). */
  public static SendMode parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT).replace("-", ""));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown send mode '" + s + "': use adaptive, zerocopy or copy", e);
    }
  }

  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
