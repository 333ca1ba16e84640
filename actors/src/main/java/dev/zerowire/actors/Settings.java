package dev.zerowire.actors;

import com.typesafe.config.Config;
import java.time.Duration;

/** The {@code zerowire} config section, read once per actor system. */
record Settings(int pollerMaxEvents, Duration pollerTaskBudget, int reaperMaxPerDrain, SocketOptions socket,
    Duration slowReleaseThreshold, boolean assumeLocalCopies, Listening listening) {

  /** The {@code zerowire.listener} section. */
  record Listening(int maxConnections, Duration acceptBackoffMin, Duration acceptBackoffMax) {}

  static final String DISPATCHER = "zerowire.dispatcher";

  static Settings from(Config root) {
    Config c = root.getConfig("zerowire");
    Config s = c.getConfig("socket");
    SocketOptions socket = new SocketOptions(
        SendMode.parse(s.getString("mode")),
        Math.toIntExact(s.getBytes("zerocopy-threshold")),
        s.getBytes("max-queued-bytes"),
        s.getBytes("max-pinned-bytes"),
        s.getDuration("close-timeout"),
        s.getDuration("reset-grace"),
        s.getDuration("connect-timeout"),
        s.getInt("adaptive.copied-to-switch"),
        s.getDuration("adaptive.probe-interval"),
        Math.toIntExact(s.getBytes("send-buffer-size")),
        Math.toIntExact(s.getBytes("receive-buffer-size")),
        s.getBoolean("tcp-nodelay"),
        Math.toIntExact(s.getBytes("read-buffer-size")),
        s.getInt("receive-pool-chunks"),
        s.getInt("gather-limit"),
        s.getBytes("gather-bytes"),
        s.getInt("max-queued-sends"));
    return new Settings(c.getInt("poller.max-events"), c.getDuration("poller.task-budget"),
        c.getInt("reaper.max-per-drain"), socket,
        c.getDuration("slow-release-threshold"), s.getBoolean("adaptive.assume-local-copies"),
        new Listening(c.getInt("listener.max-connections"), c.getDuration("listener.accept-backoff-min"),
            c.getDuration("listener.accept-backoff-max")));
  }
}
