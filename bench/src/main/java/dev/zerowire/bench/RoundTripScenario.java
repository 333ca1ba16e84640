package dev.zerowire.bench;

import java.util.List;

/**
 * Scenario 3, {@code round-trip}: acked Info requests, one at a time (send, wait for the Ack with
 * its 32-byte surface info, send the next), over a Unix stream socket and over loopback TCP, to
 * the Java-side {@link BlightServer}. p99 and p50 latency (send to Ack received) and requests per
 * second.
 */
final class RoundTripScenario implements Scenario {
  static final String NAME = "round-trip";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String title() {
    return "acked blight Info requests one at a time, Unix socket and TCP: p50/p99 latency, requests/s";
  }

  @Override
  public void run(BenchContext ctx) throws Exception {
    for (BlightTransport t : BlightTransport.values()) {
      try (BlightServer server = new BlightServer(t, BlightServer.Mode.ACK_INFO)) {
        List<Contender> cs = BlightContender.open(ctx, NAME, BlightContender.Kind.ROUND_TRIP, server, t);
        Interleaved.run(NAME, t.label(), cs, ctx.plan(), ctx.progress(), ctx.report());
      }
    }
  }
}
