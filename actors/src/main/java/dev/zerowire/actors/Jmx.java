package dev.zerowire.actors;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers zerowire's counters as MXBeans ({@link SocketStatsMXBean}) in the platform MBean
 * server. Registration failures are logged and ignored: JMX is a window, never a reason for a
 * socket or the system to fail.
 *
 * <p>What must stay true: a read never blocks an actor. It runs on the JMX caller's thread (an RMI
 * or attach thread, or the test's), asks by message and waits for the answer there, bounded by
 * {@link #ASK_TIMEOUT}.
 */
final class Jmx {
  private Jmx() {
  }

  static final String DOMAIN = "dev.zerowire";
  static final Duration ASK_TIMEOUT = Duration.ofSeconds(3);
  /** Attributes read within this long share one ask. */
  static final long SNAPSHOT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  private static final Logger LOG = LoggerFactory.getLogger(Jmx.class);

  /**
   * Registers {@code bean} under {@code dev.zerowire:type=TYPE,system=SYSTEM[,name=NAME]}, with
   * {@code ,instance=K} added when another system of the same name holds that name already.
   *
   * @return the name it was registered under, or null if it could not be
   */
  static ObjectName register(String type, String system, String name, Object bean) {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    String base = DOMAIN + ":type=" + type + ",system=" + ObjectName.quote(system)
        + (name == null ? "" : ",name=" + ObjectName.quote(name));
    for (int instance = 1; instance < 1000; instance++) {
      try {
        ObjectName on = new ObjectName(instance == 1 ? base : base + ",instance=" + instance);
        server.registerMBean(bean, on);
        return on;
      } catch (InstanceAlreadyExistsException e) {
        // another actor system of this name in this JVM: try the next instance number
      } catch (JMException | RuntimeException e) {
        LOG.warn("zerowire: could not register the JMX bean {}: {}", base, e.toString());
        return null;
      }
    }
    return null;
  }

  static void unregister(ObjectName on) {
    if (on == null) {
      return;
    }
    try {
      ManagementFactory.getPlatformMBeanServer().unregisterMBean(on);
    } catch (JMException | RuntimeException e) {
      LOG.debug("zerowire: JMX bean {} was already gone: {}", on, e.toString());
    }
  }

  /** A {@link SocketStatsMXBean} over an asking function, with a short-lived shared snapshot. */
  static final class StatsBean implements SocketStatsMXBean {
    private final Supplier<CompletionStage<SocketStats>> ask;
    private SocketStats snapshot = SocketStats.ZERO;
    private long takenNanos;
    private boolean ok;

    StatsBean(Supplier<CompletionStage<SocketStats>> ask) {
      this.ask = ask;
    }

    private synchronized SocketStats stats() {
      long now = System.nanoTime();
      if (takenNanos == 0 || now - takenNanos > SNAPSHOT_NANOS) {
        try {
          snapshot = ask.get().toCompletableFuture().get(ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
          ok = true;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          ok = false;
        } catch (Exception e) { // timed out, or the actor is gone: keep the last values
          ok = false;
        }
        takenNanos = System.nanoTime();
      }
      return snapshot;
    }

    @Override
    public synchronized long getSnapshotAgeMillis() {
      stats();
      return ok ? TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - takenNanos) : -1;
    }

    @Override public long getSends() { return stats().sends(); }
    @Override public long getBytes() { return stats().bytes(); }
    @Override public long getSendCalls() { return stats().sendCalls(); }
    @Override public long getZeroCopySends() { return stats().zeroCopySends(); }
    @Override public long getCompletions() { return stats().completions(); }
    @Override public long getCopiedCompletions() { return stats().copiedCompletions(); }
    @Override public long getEnobufsFallbacks() { return stats().enobufsFallbacks(); }
    @Override public long getModeSwitches() { return stats().modeSwitches(); }
    @Override public long getInflightBuffers() { return stats().inflightBuffers(); }
    @Override public long getInflightBytes() { return stats().inflightBytes(); }
    @Override public long getPeakInflightBytes() { return stats().peakInflightBytes(); }
    @Override public long getReleased() { return stats().released(); }
    @Override public long getFailed() { return stats().failed(); }
    @Override public long getRefused() { return stats().refused(); }
    @Override public long getWithheld() { return stats().withheld(); }
    @Override public long getUnknownIds() { return stats().unknownIds(); }
  }
}
