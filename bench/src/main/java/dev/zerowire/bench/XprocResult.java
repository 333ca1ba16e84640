package dev.zerowire.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * One blight-xproc client process's JSON, checked against what its plan sent, with the figures
 * the rows need. A result that does not add up (a failed run, a missing ack, a wrong count) is
 * refused here: no row is ever made from a run that was not verified.
 *
 * @param cold Info round trips per second over the process's first {@link XprocPlan#cold}
 * @param infoRate measured Info loads: round trips per second, one per load
 * @param p50 measured Info loads: median latency, microseconds
 * @param p99 measured Info loads: 99th percentile latency, microseconds
 * @param bigMbs measured 64 KiB Repaint loads: MB/s (10^6 payload bytes)
 * @param smallRate measured 36-byte Repaint loads: messages per second
 */
record XprocResult(double cold, List<Double> infoRate, List<Double> p50, List<Double> p99, List<Double> bigMbs,
    List<Double> smallRate) {

  private static final ObjectMapper JSON = new ObjectMapper();

  static XprocResult parse(String json, XprocPlan plan) {
    JsonNode j;
    try {
      j = JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("not JSON: " + json);
    }
    if (!j.path("ok").asBoolean(false)) {
      throw new IllegalStateException("the client failed: " + j.path("errors"));
    }
    JsonNode loads = j.path("loads");
    int expectedLoads = plan.loadsPerProcess();
    require(loads.size() == expectedLoads, "ran " + loads.size() + " loads of " + expectedLoads);
    long messages = j.path("messages").asLong(-1);
    require(messages == plan.messagesPerProcess(), "sent " + messages + " messages, not " + plan.messagesPerProcess());
    long bytes = j.path("bytes").asLong(-1);
    require(bytes == plan.bytesPerProcess(), "sent " + bytes + " payload bytes, not " + plan.bytesPerProcess());
    long acks = j.path("acks").asLong(-1);
    require(acks == messages + expectedLoads, "received " + acks + " acks for " + messages + " messages and "
        + expectedLoads + " final Pings: every one is acked");
    for (int i = 0; i < loads.size(); i++) {
      JsonNode l = loads.get(i);
      require(l.path("ok").asBoolean(false), "load " + (i + 1) + " was not ok: " + l);
    }
    List<Double> rate = new ArrayList<>();
    List<Double> p50 = new ArrayList<>();
    List<Double> p99 = new ArrayList<>();
    List<Double> big = new ArrayList<>();
    List<Double> small = new ArrayList<>();
    for (int r = 0; r < plan.reps(); r++) {
      JsonNode info = loads.get(plan.infoIndex(r));
      require(info.path("acks_awaited").asLong() == plan.info(), "an Info load awaited "
          + info.path("acks_awaited") + " acks of " + plan.info());
      rate.add(info.path("msgs_per_s").asDouble());
      p50.add(info.path("latency_us_p50").asDouble());
      p99.add(info.path("latency_us_p99").asDouble());
      big.add(loads.get(plan.bigIndex(r)).path("mb_per_s").asDouble());
      small.add(loads.get(plan.smallIndex(r)).path("msgs_per_s").asDouble());
    }
    JsonNode cold = loads.get(plan.coldIndex());
    require(cold.path("acks_awaited").asLong() == plan.cold(), "the cold Info load awaited "
        + cold.path("acks_awaited") + " acks of " + plan.cold());
    return new XprocResult(cold.path("msgs_per_s").asDouble(), rate, p50, p99, big, small);
  }

  private static void require(boolean ok, String why) {
    if (!ok) {
      throw new IllegalStateException(why);
    }
  }
}
