package dev.zerowire.actors;

/**
 * The poller of one actor system as JMX attributes, under {@code
 * dev.zerowire:type=Poller,system=NAME} (with {@code zerowire.jmx.enabled}, beside the {@link
 * SocketStatsMXBean}s). A read takes the poller's own lock for a moment; it never asks an actor.
 */
public interface PollerMXBean {
  /** File descriptors registered with the poller's epoll set now (sockets and listeners). */
  int getRegistrations();

  /**
   * Poller threads replaced because a task held them (an actor on {@code zerowire.dispatcher}
   * that blocked or computed on the poller thread; each replacement also logs a warning saying
   * where). Anything but 0 is worth a look: readiness waited 10-100 ms each time.
   */
  long getThreadsReplaced();

  /** How long the poller runs the tasks its readiness starts after each wait, in microseconds (0: none). */
  long getTaskBudgetMicros();
}
