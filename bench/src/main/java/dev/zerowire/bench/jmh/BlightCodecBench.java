package dev.zerowire.bench.jmh;

import dev.zerowire.blight.BlightDecoder;
import dev.zerowire.blight.BlightEncoder;
import dev.zerowire.blight.BlightHeader;
import dev.zerowire.blight.BlightType;
import dev.zerowire.blight.BlightWire;
import dev.zerowire.blight.Repaint;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The blight codec's hot paths: a 12-byte header in and out of a direct buffer, a whole Repaint
 * message encoded, and the streaming decoder over a read's worth of back-to-back Repaints (per
 * message). ns/op, lower is better.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BlightCodecBench {
  static final int STREAM_MESSAGES = 1024;

  private final ByteBuffer buffer = ByteBuffer.allocateDirect(4096).order(BlightWire.ORDER);
  private final BlightHeader header = new BlightHeader(BlightType.REPAINT.code(), 42, Repaint.SIZE);
  private final Repaint repaint = new Repaint(0, 0, 1404, 1872, 1, 0, 0, 7, 1);
  private byte[] headerBytes;
  private byte[] stream;
  private long frames;
  private BlightDecoder decoder;
  private int ackid;

  @Setup
  public void setup() {
    headerBytes = header.encode();
    stream = new byte[STREAM_MESSAGES * (BlightHeader.SIZE + Repaint.SIZE)];
    ByteBuffer s = ByteBuffer.wrap(stream);
    for (int i = 0; i < STREAM_MESSAGES; i++) {
      BlightEncoder.putHeader(s, BlightType.REPAINT, i, Repaint.SIZE);
      repaint.encode(s);
    }
    decoder = new BlightDecoder(f -> frames++);
  }

  @Benchmark
  public int headerEncode() {
    buffer.clear();
    header.encode(buffer);
    return buffer.position();
  }

  @Benchmark
  public BlightHeader headerDecode() {
    buffer.clear();
    buffer.put(0, headerBytes);
    return BlightHeader.decode(buffer);
  }

  @Benchmark
  public BlightHeader headerDecodeArray() {
    return BlightHeader.decode(headerBytes, 0);
  }

  /** Checked header (BlightEncoder) plus payload: what a sender does per Repaint. */
  @Benchmark
  public int repaintMessageEncode() {
    buffer.clear();
    BlightEncoder.putHeader(buffer, BlightType.REPAINT, ++ackid & 0x7fffffff, Repaint.SIZE);
    repaint.encode(buffer);
    return buffer.position();
  }

  /** The streaming decoder over 1024 back-to-back Repaints in one chunk; per message. */
  @Benchmark
  @OperationsPerInvocation(STREAM_MESSAGES)
  public long decodeRepaintStream() {
    decoder.feed(stream);
    return frames;
  }
}
