package dev.zerowire.bench;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The actor tax of a zerowire row (issue 10): the row against its scenario's {@code floor-} row,
 * the same syscalls from one platform thread without actors. What must stay true:
 *
 * <ul>
 *   <li>Only {@code zerowire*} rows are taxed, only against a floor row of the same scenario,
 *       parameter and unit.
 *   <li>The floor is the one of the same send mode when the scenario has several ({@code
 *       zerowire-zerocopy} against {@code floor-zerocopy}, {@code zerowire-copy} against {@code
 *       floor-copy}); otherwise the scenario's only floor ({@code zerowire-adaptive} on loopback
 *       copies, so {@code floor-copy} is its floor too).
 *   <li>The quantity compared is the row's median (rates: under 1 is the share of the floor's
 *       rate left; latencies: over 1), except in the scenarios of {@link #CPU_PER_BYTE}, where it is
 *       sender CPU seconds per GiB (over 1: the actor path burns that much more CPU per byte).
 *       true-zerocopy: zero copy exists to save CPU, and the target is on CPU per byte; a
 *       rate ratio would mostly measure how fast ifb drops packets. many-connections: the rate is
 *       the receiver's (two reader threads on a 2-core machine), and a one-thread floor gets a
 *       smaller share of a busy machine than a sender spread over threads, so over seven runs the
 *       MB/s ratio went from 0.4 to 1.8 while the CPU ratio stayed between 1.2 and 5.2.
 * </ul>
 */
final class Tax {
  private Tax() {}

  /** Scenarios whose tax compares CPU seconds per GiB, not medians. */
  static final Set<String> CPU_PER_BYTE = Set.of(TrueZeroCopyScenario.NAME, ManyConnectionsScenario.NAME);

  /** What a tax compares, as the JSON names it ({@code tax_of}). */
  enum Basis {
    MEDIAN("median"), CPU_S_PER_GIB("cpu_s_per_gib");

    private final String label;

    Basis(String label) {
      this.label = label;
    }

    String label() {
      return label;
    }
  }

  /** A tax and what it compares. */
  record Value(double ratio, Basis basis, String floorImpl) {}

  static Basis basis(String scenario) {
    return CPU_PER_BYTE.contains(scenario) ? Basis.CPU_S_PER_GIB : Basis.MEDIAN;
  }

  /** The tax of {@code r} among {@code rows}, or empty when it is not a zerowire row or has no floor. */
  static Optional<Value> of(Row r, List<Row> rows) {
    if (!r.impl().startsWith("zerowire")) {
      return Optional.empty();
    }
    Optional<Row> floor = floorFor(r, rows);
    if (floor.isEmpty()) {
      return Optional.empty();
    }
    Row f = floor.get();
    Basis b = basis(r.scenario());
    if (b == Basis.CPU_S_PER_GIB) {
      if (r.cpuSPerGib() == null || f.cpuSPerGib() == null || !(f.cpuSPerGib() > 0)) {
        return Optional.empty(); // e.g. a COPIED-share or heap row: no CPU on it, nothing to compare
      }
      return Optional.of(new Value(r.cpuSPerGib() / f.cpuSPerGib(), b, f.impl()));
    }
    return f.median() > 0 ? Optional.of(new Value(r.median() / f.median(), b, f.impl())) : Optional.empty();
  }

  private static Optional<Row> floorFor(Row r, List<Row> rows) {
    List<Row> floors = rows.stream().filter(f -> f.impl().startsWith("floor-") && f.scenario().equals(r.scenario())
        && f.param().equals(r.param()) && f.unit().equals(r.unit())).toList();
    String mode = r.impl().substring("zerowire".length()); // "-zerocopy", "-copy", "-adaptive", ""
    Optional<Row> sameMode = mode.isEmpty() ? Optional.empty()
        : floors.stream().filter(f -> f.impl().equals("floor" + mode)).findFirst();
    if (sameMode.isPresent()) {
      return sameMode;
    }
    if (floors.size() == 1) {
      return Optional.of(floors.get(0));
    }
    // Several floors and none of this row's mode: a copy floor is the one a non-zero-copy path matches.
    return mode.equals("-zerocopy") ? Optional.empty()
        : floors.stream().filter(f -> f.impl().equals("floor-copy")).findFirst();
  }
}
