package dev.zerowire.bench.jmh;

import com.typesafe.config.ConfigFactory;
import dev.zerowire.actors.ZeroWire;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
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
 * What an actor hop costs on zerowire's dispatcher, for the cost breakdown of issue 10: a platform
 * thread (as the poller is) tells the first of a chain of actors a message, each actor tells the
 * next, the last completes a future the thread waits on. {@code hops} = 1 is one hand-off from a
 * platform thread to a parked virtual-thread loop and back; the growth from 1 to 11 hops, divided
 * by 10, is the cost of one actor telling another. {@code executor}: zerowire's loops
 * ({@code VirtualThreadLoops}) against Pekko's one virtual thread per mailbox run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HopBench {
  @Param({"dev.zerowire.actors.VirtualThreadLoops", "virtual-thread-executor"})
  public String executor;

  @Param({"1", "11"})
  public int hops;

  record Ping(CompletableFuture<Void> done) {}

  private ActorSystem<Void> system;
  private ActorRef<Ping> first;

  @Setup(Level.Trial)
  public void setup() throws Exception {
    system = ActorSystem.create(Behaviors.empty(), "hops",
        ConfigFactory.parseString("zerowire.dispatcher.executor = \"" + executor + "\"")
            .withFallback(ConfigFactory.load()));
    ActorRef<Ping> next = null;
    for (int i = 0; i < hops; i++) {
      next = system.systemActorOf(link(next), "link-" + i, ZeroWire.dispatcher());
    }
    first = next;
  }

  private static Behavior<Ping> link(ActorRef<Ping> next) {
    return Behaviors.receiveMessage(p -> {
      if (next == null) {
        p.done().complete(null);
      } else {
        next.tell(p);
      }
      return Behaviors.same();
    });
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().join();
  }

  @Benchmark
  public void chain() throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    first.tell(new Ping(done));
    done.get(10, TimeUnit.SECONDS);
  }
}
