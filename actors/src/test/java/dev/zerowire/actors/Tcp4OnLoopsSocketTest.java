package dev.zerowire.actors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Assertions;

/**
 * The socket contract over TCP (zero copy, completions, the reaper) with the dispatcher on
 * {@link VirtualThreadLoops}, the opt-in executor: the same outcomes on either.
 */
class Tcp4OnLoopsSocketTest extends SocketContract {
  @BeforeAll
  static void start() {
    startKit("Tcp4OnLoopsSocketTest", VirtualThreadLoops.class.getName());
  }

  @Override
  public Peer.Transport transport() {
    return Peer.Transport.TCP4;
  }

  @Test
  void theSocketActorsRunOnTheLoops() throws Exception {
    var probe = kit.<String>createTestProbe();
    kit.spawn(org.apache.pekko.actor.typed.javadsl.Behaviors.<String>setup(ctx -> {
      probe.getRef().tell(Thread.currentThread().getName());
      return org.apache.pekko.actor.typed.javadsl.Behaviors.empty();
    }), ZeroWire.dispatcher());
    String thread = probe.receiveMessage();
    Assertions.assertTrue(thread.contains("-loop-"), "ran on " + thread);
  }
}
