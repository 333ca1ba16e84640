package dev.zerowire.actors;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Hands what reaches a stopped actor to the actor that took over its duties, instead of leaving
 * it in dead letters: what was still in the stopped actor's mailbox and what is told to it (or to
 * its message adapters) afterwards, unwrapped from the adapters' wrappers.
 *
 * <p>Which dead letters go where: one left in a stopped actor's mailbox names that actor, and goes
 * to its successor. One told to a stopped actor's message adapter afterwards names no actor
 * (Pekko gives {@code deadLetters} as its recipient), so it goes to every successor there is, and
 * each takes only what is its own (the blight client's successor knows its Sends by their
 * buffers and its socket by its ref); successors are few and short-lived, and without any a dead
 * letter costs one map lookup.
 *
 * <p>Why: an actor that stops with Sends in flight (a blight client stopped by its parent instead
 * of closed) leaves their outcomes to be told to it by its socket, which it can no longer hear,
 * while its callers wait for the one outcome each of their requests has. Before it stops it hands
 * its in-flight table to a successor and, through {@link ZeroWire#forwardDeadLetters}, the
 * outcomes follow.
 *
 * <p>What must stay true: a forwarding is registered before the stopped actor's mailbox is
 * emptied into dead letters (the owner registers in its {@code PostStop}, which Pekko runs before
 * that, on the same thread, so the registration is first in this actor's mailbox), and it ends
 * when the successor stops: memory is one map entry per recipient for the successor's life.
 */
final class DeadLetterForwarder {
  private DeadLetterForwarder() {}

  /** Commands besides the dead letters themselves. */
  sealed interface Command {}

  /** From now until {@code to} stops, what reaches any of {@code recipients} goes to {@code to}. */
  record Forward(List<ActorRef<?>> recipients, ActorRef<Object> to) implements Command {}

  private record DeadLetterArrived(DeadLetter d) implements Command {}

  static Behavior<Command> create() {
    return Behaviors.setup(ctx -> {
      ActorRef<DeadLetter> letters = ctx.messageAdapter(DeadLetter.class, DeadLetterArrived::new);
      ctx.getSystem().eventStream().tell(new EventStream.Subscribe<>(DeadLetter.class, letters));
      Map<org.apache.pekko.actor.ActorRef, ActorRef<Object>> forwards = new HashMap<>(); // classic: DeadLetter's
      org.apache.pekko.actor.ActorRef deadLetters = Adapter.toClassic(ctx.getSystem()).deadLetters();
      return Behaviors.receive(Command.class)
          .onMessage(Forward.class, f -> {
            for (ActorRef<?> r : f.recipients()) {
              forwards.put(Adapter.toClassic(r), f.to());
            }
            ctx.watch(f.to());
            return Behaviors.same();
          })
          .onMessage(DeadLetterArrived.class, a -> {
            if (forwards.isEmpty()) {
              return Behaviors.same();
            }
            Object m = LostBuffers.unwrap(a.d().message());
            ActorRef<Object> to = forwards.get(a.d().recipient());
            if (to != null) {
              to.tell(m);
            } else if (a.d().recipient().equals(deadLetters)) { // told to a stopped actor's adapter: whose, unknown
              new java.util.HashSet<>(forwards.values()).forEach(t -> t.tell(m));
            }
            return Behaviors.same();
          })
          .onSignal(Terminated.class, t -> {
            List<org.apache.pekko.actor.ActorRef> done = new ArrayList<>();
            forwards.forEach((from, to) -> {
              if (to.equals(t.getRef())) {
                done.add(from);
              }
            });
            done.forEach(forwards::remove);
            return Behaviors.same();
          })
          .build();
    });
  }
}
