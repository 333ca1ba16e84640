package dev.zerowire.actors;

import dev.zerowire.actors.SocketProtocol.ReceivedBuffer;
import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.internal.AdaptMessage;
import org.apache.pekko.actor.typed.internal.AdaptWithRegisteredMessageAdapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Gives back the lent receive buffers that reached nobody. A {@link ReceivedBuffer} is off-heap
 * memory a socket lends to its handler ({@code Register.withLentBuffers()}); only its {@code
 * release()} returns it, and nothing frees it otherwise (it has no cleaner). If the handler
 * stopped (failed, or was stopped) with some still in its mailbox, or one was sent after it
 * stopped, they go to dead letters: about 1 MiB per such handler with the default pool, and a
 * peer that makes a handler fail again and again would grow native memory without bound.
 *
 * <p>Why releasing them here is safe: a ReceivedBuffer in dead letters was never handled, so it
 * was never put in a Send, and the kernel will never read it; its socket's pool takes it back
 * (or frees it, when the socket has closed), from any thread. What must stay true: only
 * ReceivedBuffers are released here, never a Send's outcome (a {@code Failed} that is {@code
 * withheld} lists buffers the kernel may still read).
 *
 * <p>Typed message adapters wrap what they forward; both of Pekko's wrappers are unwrapped
 * (internal classes: {@code LostBuffersTest} breaks if a Pekko upgrade renames them).
 */
final class LostBuffers {
  private LostBuffers() {}

  static Behavior<DeadLetter> create() {
    return Behaviors.setup(ctx -> {
      ctx.getSystem().eventStream().tell(new EventStream.Subscribe<>(DeadLetter.class, ctx.getSelf()));
      long[] released = {0};
      return Behaviors.receiveMessage(d -> {
        if (unwrap(d.message()) instanceof ReceivedBuffer b && !b.buffer().isReleased()) {
          b.buffer().release();
          if (released[0]++ == 0) {
            ctx.getLog().info("released a lent receive buffer that reached no handler ({} is gone); more are "
                + "released without a log line", d.recipient());
          }
        }
        return Behaviors.same();
      });
    });
  }

  /** The message itself, out of a typed message adapter's wrapper if it is in one. */
  static Object unwrap(Object m) {
    if (m instanceof AdaptWithRegisteredMessageAdapter<?> a) {
      return a.msg();
    }
    if (m instanceof AdaptMessage<?, ?> a) {
      return a.message();
    }
    return m;
  }
}
