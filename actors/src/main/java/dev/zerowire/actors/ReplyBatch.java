package dev.zerowire.actors;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Outcomes on their way out of one actor, gathered so that consecutive outcomes for the same
 * receiver travel as one message ({@code wrap}, e.g. {@link SocketProtocol.SendOutcomes}), while
 * each is still told exactly once and, per receiver, in the order it was added. An outcome whose
 * request did not ask for batching goes out alone, at once, after what was gathered before it.
 *
 * <p>Owned by one actor and used only inside its message handling (not thread-safe). The owner
 * calls {@link #flush} before its handler returns: until then a gathered outcome has not left.
 * Why a class: the socket actor (Send outcomes) and the blight client (request outcomes) batch the
 * same way, and the rules above are easy to get subtly wrong twice.
 *
 * @param <R> what the receivers take
 * @param <O> one outcome
 */
public final class ReplyBatch<R, O extends R> {
  private final Function<List<O>, R> wrap;
  private final ArrayList<O> gathered = new ArrayList<>();
  private ActorRef<R> to;

  /** @param wrap makes the one message for two or more outcomes (given an unmodifiable copy) */
  public ReplyBatch(Function<List<O>, R> wrap) {
    this.wrap = wrap;
  }

  /** Gathers {@code outcome} for {@code receiver} when {@code batched}, else tells it now (after what is gathered). */
  public void add(ActorRef<R> receiver, O outcome, boolean batched) {
    if (to != null && (!batched || (to != receiver && !to.equals(receiver)))) { // equals compares paths: slow
      flush(); // another receiver (or an unbatched outcome) between: order per receiver stays
    }
    if (!batched) {
      receiver.tell(outcome);
      return;
    }
    to = receiver;
    gathered.add(outcome);
  }

  /** Outcomes gathered and not yet told. */
  public int gathered() {
    return gathered.size();
  }

  /** Tells what is gathered: one outcome alone (a batch of one is never wrapped), more wrapped. */
  public void flush() {
    if (to == null) {
      return;
    }
    to.tell(gathered.size() == 1 ? gathered.get(0) : wrap.apply(List.copyOf(gathered)));
    gathered.clear();
    to = null;
  }
}
