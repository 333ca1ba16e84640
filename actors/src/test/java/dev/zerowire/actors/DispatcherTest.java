package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

/** zerowire's default dispatcher: a new virtual thread per mailbox run started from outside, named after the dispatcher. */
class DispatcherTest {
  record Ran(String name, boolean virtual, long id) {}

  @Test
  void eachMailboxRunGetsAVirtualThreadWithTheDispatchersName() {
    ActorTestKit kit = ActorTestKit.create("DispatcherTest");
    try {
      TestProbe<Ran> probe = kit.createTestProbe();
      var actor = kit.spawn(Behaviors.<String>receiveMessage(m -> {
        Thread t = Thread.currentThread();
        probe.getRef().tell(new Ran(t.getName(), t.isVirtual(), t.threadId()));
        return Behaviors.same();
      }), ZeroWire.dispatcher());
      actor.tell("a");
      Ran first = probe.receiveMessage(Duration.ofSeconds(10));
      probe.expectNoMessage(Duration.ofMillis(50)); // the first run has ended
      actor.tell("b");
      Ran second = probe.receiveMessage(Duration.ofSeconds(10));
      assertTrue(first.virtual() && second.virtual(), first + ", " + second);
      assertEquals("zerowire.dispatcher", first.name());
      assertEquals(first.name(), second.name(), "one fixed name: none is built per run");
      assertNotEquals(first.id(), second.id(), "a new virtual thread per mailbox run");
    } finally {
      kit.shutdownTestKit();
    }
  }

  record Ball(int left, ActorRef<Ball> from) {}

  /**
   * Two actors on the dispatcher play ping-pong: each hop is a tell from a short mailbox run, which
   * the executor runs on the teller's thread (VirtualThreadPerTask), so most hops share a thread
   * instead of each starting one. "Most", not "all": a hop whose run took over the 50 µs hand-off
   * (a GC pause, a preempted core) starts a thread of its own, as it should, and a
   * thread hands on after {@link VirtualThreadPerTask#CHAIN} tasks.
   */
  @Test
  void aChainOfTellsBetweenActorsStaysOnItsThread() {
    ActorTestKit kit = ActorTestKit.create("DispatcherChainTest");
    try {
      int hops = 2 * VirtualThreadPerTask.CHAIN + 10; // long enough to reach the chain bound twice
      TestProbe<List<Long>> done = kit.createTestProbe();
      List<Long> threads = new ArrayList<>(); // written by one actor at a time, read after `done`
      Behavior<Ball> player = Behaviors.receive((ctx, b) -> {
        synchronized (threads) {
          threads.add(Thread.currentThread().threadId());
        }
        if (b.left() == 0) {
          synchronized (threads) {
            done.getRef().tell(List.copyOf(threads));
          }
        } else {
          b.from().tell(new Ball(b.left() - 1, ctx.getSelf()));
        }
        return Behaviors.same();
      });
      ActorRef<Ball> a = kit.spawn(player, "a", ZeroWire.dispatcher());
      ActorRef<Ball> b = kit.spawn(player, "b", ZeroWire.dispatcher());
      a.tell(new Ball(hops, b));
      List<Long> seen = done.receiveMessage(Duration.ofSeconds(30));
      assertEquals(hops + 1, seen.size(), "every hop once");
      int sameAsBefore = 0;
      for (int i = 1; i < seen.size(); i++) {
        if (seen.get(i).equals(seen.get(i - 1))) {
          sameAsBefore++;
        }
      }
      // Without the deferred slots every hop starts a new virtual thread: none would match.
      assertTrue(sameAsBefore > hops / 2, sameAsBefore + " of " + hops + " hops stayed on their thread");
      assertTrue(new HashSet<>(seen).size() >= hops / VirtualThreadPerTask.CHAIN,
          "a thread hands on after " + VirtualThreadPerTask.CHAIN + " tasks: " + new HashSet<>(seen).size() + " threads");
    } finally {
      kit.shutdownTestKit();
    }
  }

  record Ping(java.util.concurrent.CompletableFuture<String> answer) {}

  /**
   * An actor on the dispatcher tells another and then blocks until that one has answered (an ask
   * and a get, or any wait on what the tell sets off). On virtual threads blocking is allowed; the
   * tell must not wait behind the blocked run it was made in (a deadlock until the wait times out).
   */
  @Test
  void anActorThatBlocksAfterATellDoesNotHoldThatTellBack() {
    ActorTestKit kit = ActorTestKit.create("DispatcherBlockingTest");
    try {
      TestProbe<String> probe = kit.createTestProbe();
      ActorRef<Ping> answerer = kit.spawn(Behaviors.<Ping>receiveMessage(p -> {
        p.answer().complete("answered");
        return Behaviors.same();
      }), "answerer", ZeroWire.dispatcher());
      ActorRef<String> blocker = kit.spawn(Behaviors.<String>receiveMessage(m -> {
        var answer = new java.util.concurrent.CompletableFuture<String>();
        answerer.tell(new Ping(answer)); // a short run so far: this tell is deferred to this thread
        try {
          probe.getRef().tell(answer.get(5, java.util.concurrent.TimeUnit.SECONDS));
        } catch (java.util.concurrent.TimeoutException e) {
          probe.getRef().tell("the tell waited behind the blocked run");
        }
        return Behaviors.same();
      }), "blocker", ZeroWire.dispatcher());
      for (int i = 0; i < 100; i++) { // many: the first runs are slow (cold code) and hand off anyway
        blocker.tell("go");
        assertEquals("answered", probe.receiveMessage(Duration.ofSeconds(30)), "round " + i);
      }
    } finally {
      kit.shutdownTestKit();
    }
  }
}
