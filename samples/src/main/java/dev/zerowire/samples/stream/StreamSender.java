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
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Streams {@code messages} payloads of {@code size} bytes through a socket actor, keeping a
 * window of buffers in flight. A buffer is refilled and sent again only after its Released (or
 * Failed) came back: the one rule that makes zero copy safe. The bytes are {@link
 * StreamPattern}'s, which the receiver checks.
 */
public final class StreamSender {
  private StreamSender() {}

  /** What the sender saw: outcomes by kind. */
  public record Result(long released, long failed, long refused, SocketProtocol.Closed closed) {}

  public static Behavior<Object> create(ActorRef<SocketProtocol.Command> socket, long messages, int size, int window,
      LongConsumer progress, CompletableFuture<Result> done) {
    return Behaviors.setup(ctx -> {
      ActorRef<SendReply> replies = ctx.getSelf().narrow();
      ActorRef<SocketProtocol.Event> closedTo = ctx.getSelf().narrow();
      ArrayDeque<NativeBuffer> free = new ArrayDeque<>();
      NativeBuffer[] pool = new NativeBuffer[(int) Math.min(window, Math.max(1, messages))];
      for (int i = 0; i < pool.length; i++) {
        pool[i] = NativeBuffer.allocate(size);
        free.add(pool[i]);
      }
      long[] state = new long[4]; // next, released, failed, refused
      Runnable pump = () -> {
        while (!free.isEmpty() && state[0] < messages) {
          NativeBuffer b = free.poll();
          long k = state[0]++;
          StreamPattern.fill(b.byteBuffer(), k * size, size);
          socket.tell(new SocketProtocol.Send(List.of(b), k, replies));
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
              if (outcomes == messages) {
                socket.tell(new SocketProtocol.Close(closedTo));
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
            done.complete(new Result(state[1], state[2], state[3], c));
            return Behaviors.stopped();
          })
          .build();
    });
  }
}
