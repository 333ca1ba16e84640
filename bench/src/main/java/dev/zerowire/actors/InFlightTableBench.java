package dev.zerowire.actors;

import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.SendVector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The socket actor's bookkeeping without the kernel: {@link InFlightTable} recording sends,
 * gathering them into a {@link SendVector}, and applying completion ranges. Lives in package
 * {@code dev.zerowire.actors} (in the samples module's sources) because the table is
 * package-private; on the class path that split package is allowed. ns per send, lower is better.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class InFlightTableBench {
  static final int BATCH = 64;
  static final int BIG = 64 * 1024;
  static final int SMALL = 48;

  private InFlightTable table;
  private SendVector vector;
  private NativeBuffer bigBuffer;
  private NativeBuffer smallBuffer;
  private List<NativeBuffer> big;
  private List<NativeBuffer> small;
  private final List<InFlightTable.Entry> finished = new ArrayList<>();
  private final Object owner = new Object();
  private int nextId;

  @Setup(Level.Trial)
  public void setup() {
    table = new InFlightTable();
    vector = new SendVector(BATCH);
    bigBuffer = NativeBuffer.allocate(BIG);
    smallBuffer = NativeBuffer.allocate(SMALL);
    big = List.of(bigBuffer);
    small = List.of(smallBuffer);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    vector.free();
    bigBuffer.release();
    smallBuffer.release();
  }

  /** One 64 KiB zero-copy send: record, gather, written (takes an id), its completion releases it. */
  @Benchmark
  public int zeroCopySendAndComplete() {
    table.add(big, BIG, owner);
    table.gather(vector, Long.MAX_VALUE, 10240, true, false);
    table.written(BIG, true, 0, finished);
    table.complete(nextId, nextId, true, finished);
    nextId++;
    int n = finished.size();
    finished.clear();
    return n;
  }

  /** 64 zero-copy sends, one id each, then one coalesced completion range for all 64; per send. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int zeroCopyBatchOneRange() {
    int first = nextId;
    for (int i = 0; i < BATCH; i++) {
      table.add(big, BIG, owner);
      table.gather(vector, BIG, 10240, true, false);
      table.written(BIG, true, 0, finished);
      nextId++;
    }
    table.complete(first, nextId - 1, true, finished);
    int n = finished.size();
    finished.clear();
    return n;
  }

  /** 64 small copy-path sends gathered into one vector and written by one call; per send. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int copyBatchGathered() {
    for (int i = 0; i < BATCH; i++) {
      table.add(small, SMALL, owner);
    }
    table.gather(vector, Long.MAX_VALUE, 10240, false, false);
    table.written(vector.totalBytes(), false, 0, finished);
    int n = finished.size();
    finished.clear();
    return n;
  }
}
