package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The batching rules the socket actor and the blight client share: once each, in order per receiver. */
class ReplyBatchTest {
  static final ActorTestKit kit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  /** What the receivers take: one outcome, or a wrapped list of them. */
  sealed interface Reply permits One, Many {}

  record One(int n) implements Reply {}

  record Many(List<One> all) implements Reply {}

  @Test
  void consecutiveOutcomesForOneReceiverTravelTogetherAndEachLeavesOnceInOrder() {
    TestProbe<Reply> a = kit.createTestProbe();
    TestProbe<Reply> b = kit.createTestProbe();
    ReplyBatch<Reply, One> batch = new ReplyBatch<>(Many::new);
    batch.add(a.getRef(), new One(1), true);
    batch.add(a.getRef(), new One(2), true);
    a.expectNoMessage(Duration.ofMillis(50)); // nothing leaves before the flush, or another receiver
    batch.add(b.getRef(), new One(3), true); // another receiver: a's batch leaves first
    assertEquals(new Many(List.of(new One(1), new One(2))), a.receiveMessage());
    batch.add(b.getRef(), new One(4), false); // unbatched: b's gathered one leaves alone, then this
    assertEquals(new One(3), b.receiveMessage(), "a batch of one is never wrapped");
    assertEquals(new One(4), b.receiveMessage());
    batch.add(a.getRef(), new One(5), true);
    batch.flush();
    assertEquals(new One(5), a.receiveMessage());
    batch.flush(); // nothing gathered: nothing told
    a.expectNoMessage(Duration.ofMillis(50));
    b.expectNoMessage(Duration.ofMillis(50));
  }

  /**
   * The same receiver is recognised whether its ref is the same object or only an equal one
   * (a narrowed or re-obtained ref): the identity check is a shortcut, not the rule.
   */
  @Test
  void anEqualRefOfTheSameReceiverKeepsTheBatch() {
    TestProbe<Reply> a = kit.createTestProbe();
    ActorRef<Reply> same = a.getRef();
    ActorRefResolver resolver = ActorRefResolver.get(kit.system());
    ActorRef<Reply> equal = resolver.resolveActorRef(resolver.toSerializationFormat(same));
    assertNotSame(same, equal);
    assertEquals(same, equal);
    ReplyBatch<Reply, One> batch = new ReplyBatch<>(Many::new);
    batch.add(same, new One(1), true);
    batch.add(equal, new One(2), true);
    batch.flush();
    assertEquals(new Many(List.of(new One(1), new One(2))), a.receiveMessage());
  }
}
