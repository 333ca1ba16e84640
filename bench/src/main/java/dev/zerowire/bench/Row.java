package dev.zerowire.bench;

import java.util.Map;
import java.util.Objects;

/**
 * One line of the results: one measured quantity ({@code unit}) of one implementation at one
 * parameter, over every measured repetition.
 *
 * @param scenario e.g. {@code stream-tcp}
 * @param impl one of the implementation names ({@code java-nio}, {@code zerowire-adaptive}, ...)
 * @param param what was varied: payload size, transport, ...
 * @param unit what {@code median}/{@code min}/{@code max} count, e.g. {@code MB/s}
 * @param cpuSPerGib sender CPU seconds per GiB sent (null when not measured for this row)
 * @param allocBytesPerMsg heap bytes the sender allocated per message (null when not measured)
 * @param cpuSource how the CPU was read: {@link CpuMeter.Source#label()} (null without CPU)
 * @param reps measured repetitions behind the numbers
 * @param extra further medians worth keeping (COPIED share, mode switches, ...), may be empty
 */
record Row(String scenario, String impl, String param, String unit, double median, double min, double max,
    Double cpuSPerGib, Double allocBytesPerMsg, String cpuSource, int reps, Map<String, Double> extra) {
  Row {
    Objects.requireNonNull(scenario, "scenario");
    Objects.requireNonNull(impl, "impl");
    Objects.requireNonNull(param, "param");
    Objects.requireNonNull(unit, "unit");
    extra = Map.copyOf(extra);
  }

  /** A row without CPU, allocation or extras. */
  static Row of(String scenario, String impl, String param, String unit, double median, double min, double max, int reps) {
    return new Row(scenario, impl, param, unit, median, min, max, null, null, null, reps, Map.of());
  }
}
