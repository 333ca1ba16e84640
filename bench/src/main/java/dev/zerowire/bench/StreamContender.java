package dev.zerowire.bench;

import java.time.Duration;
import java.util.Optional;

/**
 * A stream-tcp implementation: one connection to the shared {@link StreamReceiver}, streaming
 * payloads of one size. A repetition sends for the given time, waits until every send has
 * completed on the sender's side (written, acked or released), then until the receiver has
 * counted exactly the bytes the sender reports. Throughput is those bytes over the whole time,
 * drain included, so nothing left in socket buffers counts as sent.
 */
abstract class StreamContender implements Contender {
  /** Payload bytes and count of one run, counted by the sender once every send had completed. */
  record Totals(long bytes, long messages) {}

  static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);

  private final String impl;
  protected final int payload;
  private final StreamReceiver receiver;
  private StreamReceiver.Connection connection;
  private long sentTotal;

  StreamContender(String impl, int payload, StreamReceiver receiver) {
    this.impl = impl;
    this.payload = payload;
    this.receiver = receiver;
  }

  @Override
  public final String impl() {
    return impl;
  }

  /** Connects and matches the receiver's side of the connection. */
  final StreamContender open() throws Exception {
    connect(receiver.address());
    connection = receiver.awaitConnection(Duration.ofSeconds(10));
    return this;
  }

  /** Opens the implementation's connection to {@code address}. */
  protected abstract void connect(java.net.InetSocketAddress address) throws Exception;

  /** Sends payloads for {@code d}, returning once every send has completed on the sender's side. */
  protected abstract Totals sendFor(Duration d) throws Exception;

  /** The one thread doing all of the sending, if there is one (its CPU is then read alone). */
  protected Optional<Thread> senderThread() {
    return Optional.empty();
  }

  /** Adds implementation-specific extras (COPIED share, mode switches) after a repetition. */
  protected void extras(Sample s) throws Exception {}

  @Override
  public final Sample measure(Duration d) throws Exception {
    long switches0 = ContextSwitches.total();
    CpuMeter.Mark mark = CpuMeter.start(senderThread(), receiver.threads());
    long t0 = System.nanoTime();
    Totals t = sendFor(d);
    sentTotal += t.bytes();
    connection.awaitExactly(sentTotal, DRAIN_TIMEOUT);
    long elapsed = System.nanoTime() - t0;
    CpuMeter.Reading cpu = mark.stop();
    long switches = ContextSwitches.total() - switches0;
    Sample s = new Sample().metric(Units.MB_S, t.bytes() / 1e6 / (elapsed / 1e9)).cpu(cpu, t.bytes(), t.messages());
    if (switches0 >= 0 && t.bytes() > 0) {
      s.extra("ctx_switches_per_mb", switches / (t.bytes() / 1e6)); // whole process, receiver included
    }
    extras(s);
    return s;
  }

  @Override
  public void close() throws Exception {
    if (connection != null) {
      connection.close();
    }
  }

  /** Bytes 0..n-1 of every payload: a fixed pattern (zeros could be special-cased somewhere). */
  static byte patternByte(int i) {
    return (byte) (i * 31 + 7);
  }
}
