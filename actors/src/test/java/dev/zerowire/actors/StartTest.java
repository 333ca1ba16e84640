package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

/** {@link ZeroWire#start}: the user's guardian, zerowire usable from its first setup. */
class StartTest {
  @Test
  void theGuardianSpawnsItsOwnActorsAndUsesZeroWireAtOnce() throws Exception {
    CompletableFuture<SocketProtocol.ListenerEvent> bound = new CompletableFuture<>();
    CompletableFuture<String> childPath = new CompletableFuture<>();
    ActorSystem<String> system = ZeroWire.start(Behaviors.<String>setup(ctx -> {
      // A child of the user's guardian, not a system actor: /user/...
      var events = ctx.spawn(Behaviors.<SocketProtocol.ListenerEvent>receiveMessage(ev -> {
        bound.complete(ev);
        return Behaviors.same();
      }), "listener-events");
      childPath.complete(events.path().toString());
      ZeroWire zw = ZeroWire.get(ctx.getSystem());
      zw.manager().tell(new SocketProtocol.Bind(new InetSocketAddress("127.0.0.1", 0), zw.defaultOptions(), 8, events));
      return Behaviors.receiveMessage(msg -> msg.equals("stop") ? Behaviors.stopped() : Behaviors.same());
    }), "start-test");
    try {
      var ev = bound.get(30, TimeUnit.SECONDS);
      SocketProtocol.Bound b = assertInstanceOf(SocketProtocol.Bound.class, ev, ev.toString());
      assertTrue(((InetSocketAddress) b.local()).getPort() > 0);
      assertTrue(childPath.get().contains("/user/listener-events"), childPath.get());
      system.tell("stop"); // the guardian stops: the system terminates, sockets closed first
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
      assertEquals(0, ZeroWire.get(system).pollerRegistrations(), "the listener left epoll at shutdown");
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
  }

  /** {@link SocketOptions#defaults()}: reference.conf's socket section, what a system with no overrides uses. */
  @Test
  void socketOptionDefaultsAreWhatASystemWithNoOverridesUses() throws Exception {
    ActorSystem<Void> system = ZeroWire.startStandalone("defaults-test");
    try {
      assertEquals(ZeroWire.get(system).defaultOptions(), SocketOptions.defaults());
      assertEquals(1024, SocketOptions.defaults().gatherLimit());
      assertEquals(1 << 20, SocketOptions.defaults().gatherBytes());
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
  }
}
