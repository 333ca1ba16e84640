package dev.zerowire.blight;

import java.util.Locale;

/**
 * Which client messages the default handler ({@link BlightHandlers#displayServer}) acks, and when.
 *
 * <p>Why a choice: Oxide's display server does not ack every message, and what it acks depends on
 * its build (checked against Eeems-Org/oxide at 481e5c90,
 * {@code applications/display-server/connection.cpp}, {@code Connection::readSocket}). A client
 * written against one build may wait for an ack the other never sends. libblight itself waits only
 * for Ping, Info, Delete, List and Wait, so every policy here answers those.
 *
 * <p>Rules common to the Oxide policies (same file): Repaint, Move, Info, Delete, Raise and Lower
 * naming a surface the server does not know get an empty ack at once (the {@code break} with
 * {@code do_ack} still true); Info of a known surface gets its 32-byte surface info; List gets the
 * ids as uint16s; Delete of a known surface and Ping are acked at once; Focus is never acked;
 * an Ack is never acked.
 */
public enum AckPolicy {
  /**
   * zerowire's default: every message but Ack is acked at once (Focus and the screen updates
   * too). Works with every libblight client, which drops acks it does not wait for.
   */
  ALL,
  /**
   * Oxide's e-paper build ({@code #ifdef EPAPER}): Repaint, Move, Raise and Lower of a known
   * surface are acked after the screen update completes (the GUI thread's callback); Wait after
   * the framebuffer sync. The simulated update takes {@link BlightLimits#epaperUpdateTime()}.
   */
  OXIDE_EPAPER,
  /**
   * Oxide's desktop build: Repaint, Move, Raise and Lower of a known surface are never acked;
   * Wait is acked at once.
   */
  OXIDE_DESKTOP;

  /** The command-line name: {@code all}, {@code oxide-epaper}, {@code oxide-desktop}. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Parses a {@link #cliName()}. */
  public static AckPolicy parse(String s) {
    for (AckPolicy p : values()) {
      if (p.cliName().equalsIgnoreCase(s.trim())) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown ack policy '" + s + "' (all, oxide-epaper, oxide-desktop)");
  }
}
