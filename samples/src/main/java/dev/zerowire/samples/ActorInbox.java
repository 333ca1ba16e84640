package dev.zerowire.samples;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Where a command-line program's main thread meets the actors: a tiny actor that puts every
 * message it gets into a queue the main thread reads with a timeout. Optionally it spawns and
 * watches one child, so the main thread learns when that child stopped without answering.
 *
 * <p>Why: the commands are sequential scripts (start, run, report, exit); blocking the main
 * thread, a platform thread outside the actor system, on a queue is the simplest honest bridge.
 */
final class ActorInbox<T> {

  /** Queued when the watched child stopped. */
  private record ChildStopped(String name) {
  }

  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private ActorRef<T> ref;

  private ActorInbox() {
  }

  /** An inbox for messages of {@code type}. */
  static <T> ActorInbox<T> spawn(ActorSystem<?> system, String name, Class<T> type) {
    return spawn(system, name, type, null);
  }

  /**
   * An inbox that also spawns {@code child(inboxRef)} as its child and watches it: if the child
   * stops, waiting for a message that has not come yet fails instead of hanging.
   */
  static <T> ActorInbox<T> spawn(ActorSystem<?> system, String name, Class<T> type,
                   Function<ActorRef<T>, Behavior<?>> child) {
    ActorInbox<T> inbox = new ActorInbox<>();
    Behavior<T> b = Behaviors.setup(ctx -> {
      if (child != null) {
        var c = ctx.spawn(child.apply(ctx.getSelf()), name + "-worker",
            dev.zerowire.actors.ZeroWire.dispatcher());
        ctx.watch(c);
      }
      return Behaviors.receive(type)
          .onAnyMessage(m -> {
            inbox.queue.add(m);
            return Behaviors.same();
          })
          .onSignal(Terminated.class, t -> {
            inbox.queue.add(new ChildStopped(t.getRef().path().name()));
            return Behaviors.same();
          })
          .build();
    });
    inbox.ref = system.systemActorOf(b, name, Props.empty());
    return inbox;
  }

  ActorRef<T> ref() {
    return ref;
  }

  /** The next message of class {@code c}; every other message goes to {@code others}. */
  <E extends T> E await(Class<E> c, Duration timeout, Consumer<? super T> others)
      throws TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      Object m = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
      if (m == null) {
        throw new TimeoutException("no " + c.getSimpleName() + " within " + timeout.toSeconds() + " s");
      }
      if (m instanceof ChildStopped s) {
        throw new IllegalStateException(s.name() + " stopped before it answered (see the log)");
      }
      if (c.isInstance(m)) {
        return c.cast(m);
      }
      @SuppressWarnings("unchecked")
      T t = (T) m;
      others.accept(t);
    }
  }

  /** {@link #await} ignoring other messages. */
  <E extends T> E await(Class<E> c, Duration timeout) throws TimeoutException, InterruptedException {
    return await(c, timeout, m -> { });
  }
}
