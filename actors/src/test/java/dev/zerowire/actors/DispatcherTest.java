package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
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
}
