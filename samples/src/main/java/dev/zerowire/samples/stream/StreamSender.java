package dev.zerowire.samples.stream;

import dev.zerowire.actors.SocketProtocol;
import dev.zerowire.actors.SocketProtocol.Failed;
import dev.zerowire.actors.SocketProtocol.Refused;
import dev.zerowire.actors.SocketProtocol.Released;
import dev.zerowire.actors.SocketProtocol.SendReply;
import dev.zerowire.nativeio.NativeBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Streams {@code messages} payloads of {@code size} bytes through a socket actor, keeping a
 * window of buffers in flight. A buffer is refilled and sent again only after its Released (or
 * Failed) came back: the one rule that makes zero copy safe. The bytes are {@link
 * StreamPattern}'s, which the receiver checks.
 */
public final class StreamSender {
  private StreamSender() {}

  private enum SocketGone { INSTANCE }

  /**
   * What the sender saw: Sends made, outcomes by kind, and how long the Close took to Closed.
   */
  public record Result(long sent, long released, long failed, long refused, long closeNanos,
      SocketProtocol.Closed closed) {}

  /**
   * @param closeAfter 0: send every message, Close when every outcome is in; n: Close right after
   *     the n-th Send, with outcomes still to come (watch close, drain and stall handling)
   */
  public static Behavior<Object> create(ActorRef<SocketProtocol.Command> socket, long messages, int size, int window,
      long closeAfter, LongConsumer progress, CompletableFuture<Result> done) {
    return Behaviors.setup(ctx -> {
      // The run waits on `done`: it must complete whatever happens. A socket that stops before
      // our Close reached it never answers it, and a sender that fails never completes it.
      ctx.watchWith(socket, SocketGone.INSTANCE);
      ActorRef<SendReply> replies = ctx.getSelf().narrow();
      ActorRef<SocketProtocol.Event> closedTo = ctx.getSelf().narrow();
      ArrayDeque<NativeBuffer> free = new ArrayDeque<>();
      NativeBuffer[] pool = new NativeBuffer[(int) Math.min(window, Math.max(1, messages))];
      for (int i = 0; i < pool.length; i++) {
        pool[i] = NativeBuffer.allocate(size);
        free.add(pool[i]);
      }
      long toSend = closeAfter > 0 ? Math.min(closeAfter, messages) : messages;
      long[] state = new long[5]; // next, released, failed, refused, when Close was sent (nanos)
      Runnable close = () -> {
        state[4] = System.nanoTime();
        socket.tell(new SocketProtocol.Close(closedTo));
      };
      Runnable pump = () -> {
        while (!free.isEmpty() && state[0] < toSend) {
          NativeBuffer b = free.poll();
          long k = state[0]++;
          StreamPattern.fill(b.byteBuffer(), k * size, size);
          socket.tell(new SocketProtocol.Send(List.of(b), k, replies));
          if (closeAfter > 0 && state[0] == toSend) {
            close.run();
          }
        }
      };
      pump.run();
      return Behaviors.receive(Object.class)
          .onMessage(SendReply.class, r -> {
            if (r instanceof SocketProtocol.SendOutcome o) {
              if (o instanceof Released) {
                state[1]++;
              } else if (o instanceof Failed) {
                state[2]++;
              } else if (o instanceof Refused) {
                state[3]++;
              }
              free.add(o.buffers().get(0));
              long outcomes = state[1] + state[2] + state[3];
              progress.accept(outcomes);
              if (outcomes == toSend && closeAfter == 0) {
                close.run();
              } else {
                pump.run();
              }
            }
            return Behaviors.same();
          })
          .onMessage(SocketProtocol.Closed.class, c -> {
            for (NativeBuffer b : pool) { // every outcome is in: the buffers are ours to free
              b.release();
            }
            done.complete(new Result(state[0], state[1], state[2], state[3], System.nanoTime() - state[4], c));
            return Behaviors.stopped();
          })
          .onMessageEquals(SocketGone.INSTANCE, () -> {
            done.completeExceptionally(new IllegalStateException("the socket stopped before it answered our Close"));
            return Behaviors.stopped();
          })
          .onSignal(PostStop.class, p -> {
            done.completeExceptionally(new IllegalStateException("the sender stopped before the socket closed"));
            return Behaviors.same(); // no effect once completed
          })
          .build();
    });
  }
}
