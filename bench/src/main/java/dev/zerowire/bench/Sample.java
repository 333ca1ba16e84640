package dev.zerowire.bench;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one measured repetition of one implementation produced: one or more metrics by unit (the
 * first is the primary one, which the chart shows and CPU is attached to), the sender's CPU and
 * allocation reading with the bytes and messages it covers, and extras.
 */
final class Sample {
  private final Map<String, Double> metrics = new LinkedHashMap<>();
  private final Map<String, Double> extra = new LinkedHashMap<>();
  private CpuMeter.Reading cpu;
  private long bytes;
  private long messages;

  Sample metric(String unit, double value) {
    metrics.put(unit, value);
    return this;
  }

  /** The sender's CPU/allocation over a run that moved {@code bytes} in {@code messages}. */
  Sample cpu(CpuMeter.Reading reading, long bytes, long messages) {
    this.cpu = reading;
    this.bytes = bytes;
    this.messages = messages;
    return this;
  }

  Sample extra(String key, double value) {
    extra.put(key, value);
    return this;
  }

  Map<String, Double> metrics() {
    return Collections.unmodifiableMap(metrics);
  }

  Map<String, Double> extras() {
    return Collections.unmodifiableMap(extra);
  }

  /** The first metric's unit. */
  String primaryUnit() {
    return metrics.keySet().iterator().next();
  }

  double primary() {
    return metrics.values().iterator().next();
  }

  CpuMeter.Reading cpu() {
    return cpu;
  }

  /** Sender CPU seconds per GiB, or NaN without a CPU reading. */
  double cpuSPerGib() {
    return cpu == null ? Double.NaN : cpu.cpuSecondsPerGib(bytes);
  }

  /** Sender heap bytes per message, or NaN without a reading. */
  double allocPerMessage() {
    return cpu == null ? Double.NaN : cpu.allocBytesPerMessage(messages);
  }

  /** Sender CPU nanoseconds per message, or NaN. */
  double cpuNanosPerMessage() {
    return cpu == null || messages <= 0 ? Double.NaN : cpu.cpuNanos() / (double) messages;
  }
}
