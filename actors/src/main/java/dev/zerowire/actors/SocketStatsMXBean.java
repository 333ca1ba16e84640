package dev.zerowire.actors;

/**
 * {@link SocketStats} as JMX attributes, for JDK Mission Control and jconsole (beside zerowire's
 * JFR events). Registered under the domain {@code dev.zerowire}:
 * <ul>
 *   <li>{@code dev.zerowire:type=ZeroWire,system=NAME}: {@link ZeroWire#totals()}, summed over every
 *       socket of that actor system, finished and live;</li>
 *   <li>{@code dev.zerowire:type=Socket,system=NAME,name=socket-N}: one live socket, from its
 *       {@code GetStats}; unregistered when the socket actor stops.</li>
 * </ul>
 * Each read asks the actors (the manager, or the socket actor) and waits at most a few seconds:
 * the values are a snapshot at most {@link #getSnapshotAgeMillis()} old, shared by the attributes
 * of one read so that a tool reading them all asks once. Turn it off with
 * {@code zerowire.jmx.enabled = off} (or only the per-socket beans with
 * {@code zerowire.jmx.per-socket = off}).
 *
 * <p>The attribute meanings are those of {@link SocketStats}.
 */
public interface SocketStatsMXBean {
  long getSends();

  long getBytes();

  long getSendCalls();

  long getZeroCopySends();

  long getCompletions();

  long getCopiedCompletions();

  long getEnobufsFallbacks();

  long getModeSwitches();

  long getInflightBuffers();

  long getInflightBytes();

  long getPeakInflightBytes();

  long getReleased();

  long getFailed();

  long getRefused();

  long getWithheld();

  long getUnknownIds();

  /** How old the values are (milliseconds since they were asked for); -1 if they could not be had. */
  long getSnapshotAgeMillis();
}
