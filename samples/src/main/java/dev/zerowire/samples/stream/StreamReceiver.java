package dev.zerowire.samples.stream;

import dev.zerowire.actors.SocketProtocol;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The receiving end: the handler of an accepted socket actor. Checks every byte against {@link
 * StreamPattern} and completes with the counts when the socket closes. With a stall it stops
 * reading for that long after the first megabyte (a peer that stops reading: the sender's queue
 * and the kernel buffers fill, and a Close must still end within close-timeout).
 */
public final class StreamReceiver {
  private StreamReceiver() {}

  public record Result(long bytes, long corruptBytes) {}

  private enum StallOver { INSTANCE }

  private static final long STALL_AFTER_BYTES = 1 << 20;

  public static Behavior<SocketProtocol.Event> create(CompletableFuture<Result> done, Duration stall) {
    return Behaviors.<Object>setup(ctx -> Behaviors.withTimers(timers -> {
      long[] state = new long[3]; // bytes, corrupt, stalled (0/1)
      return Behaviors.receive(Object.class)
          .onMessage(SocketProtocol.Received.class, r -> {
            byte[] d = r.data();
            state[1] += StreamPattern.countMismatches(d, d.length, state[0]);
            state[0] += d.length;
            if (!stall.isZero() && state[2] == 0 && state[0] >= STALL_AFTER_BYTES) {
              state[2] = 1;
              r.socket().tell(SocketProtocol.SuspendReading.INSTANCE);
              timers.startSingleTimer(new Resume(r.socket()), stall);
            }
            return Behaviors.same();
          })
          .onMessage(Resume.class, m -> {
            m.socket().tell(SocketProtocol.ResumeReading.INSTANCE);
            return Behaviors.same();
          })
          .onMessage(SocketProtocol.PeerClosed.class, p -> Behaviors.same())
          .onMessage(SocketProtocol.Closed.class, c -> {
            done.complete(new Result(state[0], state[1]));
            return Behaviors.stopped();
          })
          .build();
    })).narrow();
  }

  private record Resume(org.apache.pekko.actor.typed.ActorRef<SocketProtocol.Command> socket) {}
}
