package dev.zerowire.bench;

/** The units rows are reported in; targets and charts find rows by these. */
final class Units {
  private Units() {}

  /** Payload bytes per second, 10^6 (the receiver's count over the whole run, drain included). */
  static final String MB_S = "MB/s";
  static final String MSG_S = "msg/s";
  static final String REQ_S = "req/s";
  /** Requests per second over a fresh client process's first requests (blight-xproc's cold Info round trips). */
  static final String REQ_S_COLD = "req/s cold";
  static final String US_P50 = "us_p50";
  static final String US_P99 = "us_p99";
  /** Percent of zero-copy send ids whose completion said COPIED. */
  static final String COPIED_PERCENT = "%_copied";
  /** p99 of zerowire's own "last byte written to the kernel -> Released told" (JFR zerowire.SlowRelease). */
  static final String US_P99_WRITE_TO_RELEASE = "us_p99_write_to_release";
  static final String US_P99_COMPLETION_TO_RELEASE = "us_p99_completion_to_release";
  static final String MIB_HEAP_PEAK = "MiB_heap_peak";
  static final String MIB_RSS_PEAK = "MiB_rss_peak";
}
