package dev.zerowire.bench;

import java.util.Objects;

/**
 * A scenario (or one implementation in it) that produced no numbers, and why: missing privilege,
 * a transport this kernel lacks, a component not integrated yet, or a failure during the run.
 * Skips are always reported; nothing is left out silently.
 */
record Skipped(String scenario, String reason) {
  Skipped {
    Objects.requireNonNull(scenario, "scenario");
    Objects.requireNonNull(reason, "reason");
  }
}
