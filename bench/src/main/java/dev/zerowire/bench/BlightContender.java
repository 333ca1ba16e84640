package dev.zerowire.bench;

import dev.zerowire.blight.BlightHeader;
import dev.zerowire.blight.Repaint;
import dev.zerowire.blight.SurfaceInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One blight client in small-messages (stream Repaints, the server counts them) or round-trip
 * (acked Info requests), checked against the server's own count after every repetition.
 */
final class BlightContender implements Contender {
  enum Kind { STREAM, ROUND_TRIP }

  /** A full-screen repaint of surface 1, the message small-messages streams (36-byte payload). */
  static final Repaint REPAINT = new Repaint(0, 0, 1404, 1872, 1, 0, 0, 1, 1);
  static final int REPAINT_WIRE_BYTES = BlightHeader.SIZE + Repaint.SIZE;
  /** Info request (12 + 2) plus its Ack (12 + 32). */
  static final int ROUND_TRIP_WIRE_BYTES = BlightHeader.SIZE + 2 + BlightHeader.SIZE + SurfaceInfo.SIZE;

  private final String impl;
  private final Kind kind;
  private final BlightClientUnderTest client;
  private final BlightServer server;
  private final BlightServer.Connection connection;
  private long total;

  private BlightContender(String impl, Kind kind, BlightClientUnderTest client, BlightServer server,
      BlightServer.Connection connection) {
    this.impl = impl;
    this.kind = kind;
    this.client = client;
    this.server = server;
    this.connection = connection;
  }

  /** The naive sender and zerowire's blight client, each connected to {@code server}; failures become skips. */
  static List<Contender> open(BenchContext ctx, String scenario, Kind kind, BlightServer server,
      BlightTransport transport) {
    List<Contender> out = new ArrayList<>();
    if (ctx.plan().wants(NaiveTwoWritesClient.IMPL)) {
      openNaive(ctx, scenario, kind, server, transport, out);
    }
    if (ctx.plan().wants(FloorBlightClient.IMPL)) {
      try {
        BlightClientUnderTest floor = FloorBlightClient.connect(server.address());
        out.add(new BlightContender(FloorBlightClient.IMPL, kind, floor, server, server.awaitConnection(Duration.ofSeconds(10))));
      } catch (Exception e) {
        ctx.report().failure(new Skipped(scenario, FloorBlightClient.IMPL + " (" + transport.label()
            + "): could not connect: " + Interleaved.describe(e)));
      }
    }
    if (ctx.plan().wants(ZeroWireBlightClient.IMPL)) {
      try {
        BlightClientUnderTest c = ZeroWireBlightClient.connect(ctx.system(), server.address());
        out.add(new BlightContender(ZeroWireBlightClient.IMPL, kind, c, server,
            server.awaitConnection(Duration.ofSeconds(10))));
      } catch (Exception e) {
        ctx.report().failure(new Skipped(scenario, ZeroWireBlightClient.IMPL + " (" + transport.label()
            + "): could not connect: " + Interleaved.describe(e)));
      }
    }
    return out;
  }

  private static void openNaive(BenchContext ctx, String scenario, Kind kind, BlightServer server,
      BlightTransport transport, List<Contender> out) {
    try {
      BlightClientUnderTest naive = NaiveTwoWritesClient.connect(transport, server.address());
      out.add(new BlightContender(NaiveTwoWritesClient.IMPL, kind, naive, server, server.awaitConnection(Duration.ofSeconds(10))));
    } catch (Exception e) {
      ctx.report().failure(new Skipped(scenario, NaiveTwoWritesClient.IMPL + " (" + transport.label()
          + "): could not connect: " + Interleaved.describe(e)));
    }
  }

  @Override
  public String impl() {
    return impl;
  }

  @Override
  public Sample measure(Duration d) throws Exception {
    return kind == Kind.STREAM ? stream(d) : roundTrips(d);
  }

  private Sample stream(Duration d) throws Exception {
    CpuMeter.Mark mark = CpuMeter.start(client.senderThread(), server.threads());
    long t0 = System.nanoTime();
    long n = client.streamRepaints(REPAINT, t0 + d.toNanos());
    total += n;
    connection.awaitExactly(total, StreamContender.DRAIN_TIMEOUT);
    double seconds = (System.nanoTime() - t0) / 1e9;
    CpuMeter.Reading cpu = mark.stop();
    Sample sample = new Sample().metric(Units.MSG_S, n / seconds).cpu(cpu, n * REPAINT_WIRE_BYTES, n);
    client.extras(sample);
    return sample;
  }

  private Sample roundTrips(Duration d) throws Exception {
    LongSamples latency = new LongSamples(1 << 16);
    CpuMeter.Mark mark = CpuMeter.start(client.senderThread(), server.threads());
    long t0 = System.nanoTime();
    long n = client.infoRoundTrips(1, t0 + d.toNanos(), latency::add);
    double seconds = (System.nanoTime() - t0) / 1e9;
    CpuMeter.Reading cpu = mark.stop();
    total += n;
    connection.awaitExactly(total, StreamContender.DRAIN_TIMEOUT);
    if (latency.count() != n) {
      throw new IllegalStateException(impl + " reported " + n + " round trips but " + latency.count() + " latencies");
    }
    if (n == 0) {
      throw new IllegalStateException(impl + " completed no round trip in " + d.toMillis() + " ms");
    }
    Sample sample = new Sample()
        .metric(Units.US_P99, latency.percentile(99) / 1e3)
        .metric(Units.US_P50, latency.percentile(50) / 1e3)
        .metric(Units.REQ_S, n / seconds)
        .cpu(cpu, n * ROUND_TRIP_WIRE_BYTES, n);
    client.extras(sample);
    return sample;
  }

  @Override
  public void close() throws Exception {
    try {
      client.close();
    } finally {
      connection.close();
    }
  }
}
