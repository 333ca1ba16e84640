package dev.zerowire.samples.stream;

import dev.zerowire.actors.SocketProtocol;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The receiving end: the handler of an accepted socket actor. Checks every byte against {@link
 * StreamPattern} and completes with the counts when the socket closes.
 */
public final class StreamReceiver {
  private StreamReceiver() {}

  public record Result(long bytes, long corruptBytes) {}

  public static Behavior<SocketProtocol.Event> create(CompletableFuture<Result> done) {
    long[] state = new long[2]; // bytes, corrupt
    return Behaviors.receive(SocketProtocol.Event.class)
        .onMessage(SocketProtocol.Received.class, r -> {
          byte[] d = r.data();
          state[1] += StreamPattern.countMismatches(d, d.length, state[0]);
          state[0] += d.length;
          return Behaviors.same();
        })
        .onMessage(SocketProtocol.PeerClosed.class, p -> Behaviors.same())
        .onMessage(SocketProtocol.Closed.class, c -> {
          done.complete(new Result(state[0], state[1]));
          return Behaviors.stopped();
        })
        .build();
  }
}
