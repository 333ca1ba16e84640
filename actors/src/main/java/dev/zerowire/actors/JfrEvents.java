package dev.zerowire.actors;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/**
 * JDK Flight Recorder events, so the runtime can be watched in JDK Mission Control with no extra
 * dependency. Each is cheap when recording is off ({@code shouldCommit()} is checked first).
 */
final class JfrEvents {
  private JfrEvents() {}

  @Name("zerowire.ModeSwitch")
  @Label("Zero-copy mode switch")
  @Category({"zerowire"})
  @Description("An adaptive socket switched between zero copy and copy")
  static final class ModeSwitch extends Event {
    @Label("Socket") String socket;
    @Label("To zero copy") boolean toZeroCopy;
    @Label("Why") String why;
  }

  @Name("zerowire.EnobufsFallback")
  @Label("ENOBUFS fallback")
  @Category({"zerowire"})
  @Description("A MSG_ZEROCOPY send hit optmem_max or RLIMIT_MEMLOCK and was sent again copied")
  static final class EnobufsFallback extends Event {
    @Label("Socket") String socket;
    @Label("Bytes") @DataAmount long bytes;
  }

  @Name("zerowire.CompletionBatch")
  @Label("Completion batch")
  @Category({"zerowire"})
  @Description("Zero-copy completions applied to a socket's in-flight table")
  static final class CompletionBatch extends Event {
    @Label("Socket") String socket;
    @Label("Ranges") int ranges;
    @Label("Ids") long ids;
    @Label("Copied ids") long copiedIds;
    @Label("Sends released") int released;
  }

  @Name("zerowire.SlowRelease")
  @Label("Slow release")
  @Category({"zerowire"})
  @Description("A zero-copy send's buffers came back long after its last byte was written")
  static final class SlowRelease extends Event {
    @Label("Socket") String socket;
    @Label("Correlation id") long correlationId;
    @Label("Bytes") @DataAmount long bytes;
    @Label("Written to released") @Timespan(Timespan.NANOSECONDS) long nanos;
    @Label("Completion read to released")
    @Description("From the reaper reading the completion off the error queue to Released told")
    @Timespan(Timespan.NANOSECONDS) long completionToReleaseNanos;
  }
}
