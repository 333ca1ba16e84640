package dev.zerowire.streams;

import dev.zerowire.actors.SocketOptions;
import dev.zerowire.actors.ZeroWire;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;

/**
 * MB/s of one loopback TCP connection carrying 64 KiB {@code ByteString}s from a Pekko Streams
 * source into a plain java.nio reader that discards them, through zerowire's {@code
 * outgoingConnection} and through Pekko's own {@code Tcp.outgoingConnection}. The reader is the
 * same for both; each run is timed from materialization to the flow's completion (the reader
 * closes after the sender's end of stream). Runs interleave (A B C A B C ...) after a warm-up;
 * the median and range of the measured runs are printed.
 *
 * <p>Run (after {@code mvn -pl streams -am test-compile}): see the README's Pekko Streams section.
 * Arguments: [megabytes per run, default 1024] [runs, default 5].
 */
public final class StreamsThroughput {
  private StreamsThroughput() {}

  public static void main(String[] args) throws Exception {
    long mib = args.length > 0 ? Long.parseLong(args[0]) : 1024;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int size = 64 << 10;
    long elements = (mib << 20) / size;
    ActorSystem<Void> system = ZeroWire.startStandalone("StreamsThroughput");
    SocketOptions options = ZeroWire.get(system).defaultOptions();
    ByteString chunk = Pattern.chunk(0, size);
    try (NioPeer sink = NioPeer.start(new InetSocketAddress("127.0.0.1", 0), ch -> {
      ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
      while (ch.read(buf) >= 0) {
        buf.clear();
      }
    })) {
      SocketAddress at = sink.address();
      InetSocketAddress inet = (InetSocketAddress) at;
      Map<String, Function<Source<ByteString, ?>, Source<ByteString, ?>>> impls = new LinkedHashMap<>();
      impls.put("pekko-tcp", s -> s.via(Tcp.get(system).outgoingConnection(inet.getHostString(), inet.getPort())));
      impls.put("zerowire-streams", s -> s.via(ZeroWireStreams.outgoingConnection(system, at, options)));
      impls.put("zerowire-streams (stream on zerowire.dispatcher)", s -> s
          .via(ZeroWireStreams.outgoingConnection(system, at, options))
          .withAttributes(ActorAttributes.dispatcher("zerowire.dispatcher")));
      Map<String, List<Double>> results = new LinkedHashMap<>();
      for (int round = -1; round < runs; round++) { // round -1 warms up
        for (Map.Entry<String, Function<Source<ByteString, ?>, Source<ByteString, ?>>> e : impls.entrySet()) {
          Source<ByteString, ?> source = Source.repeat(chunk).take(elements);
          long t0 = System.nanoTime();
          e.getValue().apply(source).runWith(Sink.ignore(), system).toCompletableFuture().get(10, TimeUnit.MINUTES);
          double secs = (System.nanoTime() - t0) / 1e9;
          if (round >= 0) {
            results.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(elements * size / 1e6 / secs);
          }
        }
      }
      System.out.printf("64 KiB ByteStrings, %d MiB per run, %d runs, loopback TCP into a java.nio reader:%n", mib, runs);
      for (Map.Entry<String, List<Double>> e : results.entrySet()) {
        List<Double> v = new ArrayList<>(e.getValue());
        Collections.sort(v);
        System.out.printf("  %-50s %,8.0f MB/s (%,.0f-%,.0f)%n", e.getKey(), v.get(v.size() / 2), v.get(0),
            v.get(v.size() - 1));
      }
      sink.assertNoFailure();
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
