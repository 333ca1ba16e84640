package dev.zerowire.blight;

import dev.zerowire.actors.SocketProtocol;
import dev.zerowire.actors.SocketStats;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Keeps a socket from reading far ahead of the connection actor that decodes its bytes. Owned by
 * that actor; not thread-safe.
 *
 * <p>Why: a socket actor reads until EAGAIN and hands every chunk over as a {@code Received}
 * message, so when decoding (copying, hashing, handing frames on) is slower than the network, the
 * bytes pile up in the decoder's mailbox instead of in the kernel: TCP flow control never pushes
 * back, memory grows without bound, and everything queued behind the pile (a Ping's answer) waits.
 *
 * <p>How: one read cycle at a time. On the first {@code Received} of a cycle the owner's socket
 * gets {@code SuspendReading} and then {@code GetStats} as a barrier: the socket answers it after
 * it stopped reading, and a socket's messages to one actor arrive in order, so when the barrier's
 * answer arrives every chunk of the cycle has already been handled. Then {@code ResumeReading}
 * starts the next cycle. What can pile up is what the socket reads in the few turns before the
 * suspend reaches it (about a megabyte); the rest waits in the kernel, where it pushes back on the
 * sender. Every stats request of the owner goes through {@link #askStats()}, so barrier answers
 * are told apart from its own by counting (answers come in request order).
 */
final class ReadPacer {
  private final ActorRef<SocketProtocol.Command> socket;
  private final ActorRef<SocketStats> statsReplies;
  private long asked;
  private long answered;
  private long barrier = -1;

  ReadPacer(ActorRef<SocketProtocol.Command> socket, ActorRef<SocketStats> statsReplies) {
    this.socket = socket;
    this.statsReplies = statsReplies;
  }

  /** A chunk arrived: at the start of a cycle, stop reading and set the barrier. */
  void onReceived() {
    if (barrier < 0) {
      socket.tell(SocketProtocol.SuspendReading.INSTANCE);
      barrier = askStats();
    }
  }

  /** Asks the socket for its stats; returns the request's number. */
  long askStats() {
    socket.tell(new SocketProtocol.GetStats(statsReplies));
    return ++asked;
  }

  /**
   * A stats answer arrived. Returns true when it was the barrier (reading resumed) and false when
   * it answers one of the owner's own {@link #askStats()} calls.
   */
  boolean onStats() {
    answered++;
    if (barrier >= 0 && answered == barrier) {
      barrier = -1;
      socket.tell(SocketProtocol.ResumeReading.INSTANCE);
      return true;
    }
    return false;
  }
}
