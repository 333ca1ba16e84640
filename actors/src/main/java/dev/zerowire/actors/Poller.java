package dev.zerowire.actors;

import dev.zerowire.nativeio.Epoll;
import dev.zerowire.nativeio.EventFd;
import dev.zerowire.nativeio.Kernel;
import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one platform thread that blocks: it waits in {@code epoll_wait} and turns readiness into
 * messages (Pekko's SelectionHandler sends ChannelReadable the same way). It owns no socket and
 * changes no actor's state.
 *
 * <p>Registrations are edge-triggered ({@code EPOLLET}, epoll(7)): a socket actor reads or writes
 * until EAGAIN before it expects the next Readable/Writable. EPOLLERR on a zero-copy socket means
 * its error queue has completions: that goes to the reaper, never to the socket.
 *
 * <p>{@code epoll_ctl} is safe from any thread, so a socket actor registers and removes its fd
 * directly: synchronously, before it closes the fd, so that no epoll_ctl ever names a closed and
 * reused fd number. Events carry a token, not the fd; an event whose token is no longer
 * registered is dropped. The eventfd wakes the thread for shutdown.
 */
final class Poller {
  private static final Logger log = LoggerFactory.getLogger(Poller.class);
  private static final long WAKE_TOKEN = 0;
  private static final int MASK = Kernel.EPOLLIN | Kernel.EPOLLOUT | Kernel.EPOLLRDHUP | Kernel.EPOLLET;

  /**
   * Where one fd's readiness goes: {@code readable}/{@code writable} tell the owning actor; {@code
   * reaper} is null for sockets without an error queue to drain (AF_UNIX, listeners, copy-only),
   * else EPOLLERR goes to it, paced by the socket's {@code inbox} ({@link CompletionInbox}).
   */
  record Registration(long token, int fd, Runnable readable, Runnable writable, ActorRef<Reaper.Command> reaper,
      CompletionInbox inbox) {
    /** A socket actor's registration; EPOLLERR comes to the socket itself. */
    static Registration socket(long token, int fd, ActorRef<SocketProtocol.Command> socket) {
      return new Registration(token, fd, () -> socket.tell(SocketActor.Readable.INSTANCE),
          () -> socket.tell(SocketActor.Writable.INSTANCE), null, null);
    }

    /** The same, with EPOLLERR (the error queue's completions) going to the reaper. */
    Registration withReaper(ActorRef<Reaper.Command> reaper, CompletionInbox inbox) {
      return new Registration(token, fd, readable, writable, reaper, inbox);
    }
  }

  private final Epoll epoll;
  private final EventFd wake;
  private final int maxEvents;
  private final ConcurrentHashMap<Long, Registration> registrations = new ConcurrentHashMap<>();
  private final AtomicLong tokens = new AtomicLong(WAKE_TOKEN);
  private final Thread thread;
  private volatile boolean running = true;

  Poller(int maxEvents) throws IOException {
    this.maxEvents = maxEvents;
    this.epoll = new Epoll(maxEvents);
    this.wake = new EventFd();
    epoll.add(wake.fd(), Kernel.EPOLLIN, WAKE_TOKEN);
    this.thread = Thread.ofPlatform().name("zerowire-poller").daemon(true).unstarted(this::run);
    thread.start();
  }

  long newToken() {
    return tokens.incrementAndGet();
  }

  /** Starts delivering readiness of {@code fd}. Call from the owning actor. */
  void register(Registration r) throws IOException {
    registrations.put(r.token(), r);
    try {
      epoll.add(r.fd(), MASK, r.token());
    } catch (IOException e) {
      registrations.remove(r.token());
      throw e;
    }
  }

  /**
   * Changes where a registered fd's readiness goes (the epoll registration stays): a socket
   * actor adds the reaper once its connect has ended.
   */
  void update(Registration r) {
    registrations.replace(r.token(), r);
  }

  /**
   * Turns EPOLLOUT on or off for a registered fd; EPOLLIN, EPOLLRDHUP and EPOLLET stay, and
   * EPOLLERR (the error queue) and EPOLLHUP come whatever the mask (epoll_ctl(2)). Edge-triggered
   * EPOLLOUT fires each time the peer frees room, on every ACK or read (a wasted wake-up of this
   * thread and of the socket actor per message), so a socket asks for it only while a write is
   * waiting for room, as Netty's epoll transport does. EPOLL_CTL_MOD re-checks readiness, so
   * room that came between the EAGAIN and this call still raises the event.
   */
  void watchWritable(long token, int fd, boolean on) throws IOException {
    epoll.modify(fd, on ? MASK : MASK & ~Kernel.EPOLLOUT, token);
  }

  /** Stops delivering readiness of {@code fd}; after this returns the fd may be closed. */
  void deregister(long token, int fd) {
    registrations.remove(token);
    try {
      epoll.remove(fd);
    } catch (IOException e) {
      log.warn("epoll_ctl(DEL) of fd {} failed: {}", fd, e.getMessage());
    }
  }

  int registered() {
    return registrations.size();
  }

  /** The epoll fd (for tests: /proc/self/fdinfo shows each registration's event mask). */
  int epollFd() {
    return epoll.fd();
  }

  Thread thread() {
    return thread;
  }

  private void run() {
    try {
      while (running) {
        int n = epoll.waitFor(-1);
        for (int i = 0; i < n; i++) {
          long token = epoll.token(i);
          if (token == WAKE_TOKEN) {
            wake.drain();
            continue;
          }
          Registration r = registrations.get(token);
          if (r != null) {
            dispatch(r, epoll.events(i));
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      if (running) {
        log.error("zerowire poller stopped on an error; sockets will get no more readiness", e);
      }
    } finally {
      epoll.close();
      wake.close();
    }
  }

  private static void dispatch(Registration r, int events) {
    boolean err = (events & Kernel.EPOLLERR) != 0;
    if (err && r.reaper() != null && r.inbox().errorQueueReady()) { // else a drain cycle is open
      r.reaper().tell(new Reaper.ErrorQueueReady(r.token()));
    }
    if ((events & (Kernel.EPOLLIN | Kernel.EPOLLHUP | Kernel.EPOLLRDHUP)) != 0 || (err && r.reaper() == null)) {
      r.readable().run();
    }
    if ((events & Kernel.EPOLLOUT) != 0) {
      r.writable().run();
    }
  }

  /** Stops the thread and closes epoll and the eventfd; waits up to 5 s for the thread. */
  void stop() {
    running = false;
    try {
      wake.signal();
      thread.join(5000);
    } catch (IOException e) {
      log.warn("could not wake the poller: {}", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
