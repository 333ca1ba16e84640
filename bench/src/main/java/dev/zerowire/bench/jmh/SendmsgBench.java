package dev.zerowire.bench.jmh;

import dev.zerowire.nativeio.Kernel;
import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.NativeSocket;
import dev.zerowire.nativeio.SendVector;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The JNA sendmsg call path on an AF_UNIX stream socketpair (blight's transport), each send
 * read back at once on the other end so the pair never fills: {@link NativeSocket#send} with a
 * prepared {@link SendVector}, against a cheap syscall through the same binding (getsockopt) as
 * the floor. Also a 48-byte blight message as one gathered sendmsg (header + payload iovecs)
 * against two sendmsg calls (what libblight does).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SendmsgBench {
  /** Payload sizes for {@link #sendmsgThenRecv}; the other benchmarks always send 48 bytes. */
  @State(Scope.Thread)
  public static class Sized {
    @Param({"48", "4096", "65536"})
    public int size;

    SendVector vector;
    NativeBuffer data;

    @Setup(Level.Trial)
    public void setup() {
      data = NativeBuffer.allocate(size);
      data.fill((byte) 7);
      vector = new SendVector(1);
      vector.add(data, 0, size);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      vector.free();
      data.release();
    }
  }

  private NativeSocket[] pair;
  private NativeBuffer data;
  private NativeBuffer sink;
  private SendVector gathered;
  private SendVector header;
  private SendVector payload;

  @Setup(Level.Trial)
  public void setup() throws IOException {
    pair = NativeSocket.socketpair(Kernel.SOCK_STREAM);
    data = NativeBuffer.allocate(48);
    data.fill((byte) 7);
    sink = NativeBuffer.allocate(65536);
    gathered = new SendVector(2);
    gathered.add(data, 0, 12);
    gathered.add(data, 12, 36);
    header = new SendVector(1);
    header.add(data, 0, 12);
    payload = new SendVector(1);
    payload.add(data, 12, 36);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    pair[0].close();
    pair[1].close();
    gathered.free();
    header.free();
    payload.free();
    data.release();
    sink.release();
  }

  /** One sendmsg of {@code size} bytes, then recv until they are all back. */
  @Benchmark
  public long sendmsgThenRecv(Sized s) throws IOException {
    return drain(send(s.vector));
  }

  /** A 48-byte blight message as one sendmsg gathering header and payload. */
  @Benchmark
  public long blightMessageGathered() throws IOException {
    return drain(send(gathered));
  }

  /** The same 48 bytes as two sendmsg calls, header then payload (libblight's way). */
  @Benchmark
  public long blightMessageTwoCalls() throws IOException {
    return drain(send(header) + send(payload));
  }

  /** The floor: one cheap syscall (getsockopt SO_SNDBUF) through the same JNA binding. */
  @Benchmark
  public int getsockoptSyscall() throws IOException {
    return pair[0].sendBufferSize();
  }

  private long send(SendVector v) throws IOException {
    long n = pair[0].send(v, false);
    if (n != v.totalBytes()) {
      throw new IllegalStateException("short send " + n + " of " + v.totalBytes());
    }
    return n;
  }

  private long drain(long bytes) throws IOException {
    long got = 0;
    while (got < bytes) {
      long r = pair[1].recv(sink, 0, (int) Math.min(sink.length(), bytes - got));
      if (r <= 0) {
        throw new IllegalStateException("nothing to read after a send (" + r + ")");
      }
      got += r;
    }
    return got;
  }
}
