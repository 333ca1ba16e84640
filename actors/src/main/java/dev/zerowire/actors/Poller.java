package dev.zerowire.actors;

import dev.zerowire.nativeio.Epoll;
import dev.zerowire.nativeio.EventFd;
import dev.zerowire.nativeio.Kernel;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The platform thread that waits in {@code epoll_wait} and turns readiness into messages (Pekko's
 * SelectionHandler sends ChannelReadable the same way). It owns no socket.
 *
 * <p>Registrations are edge-triggered ({@code EPOLLET}, epoll(7)): a socket actor reads or writes
 * until EAGAIN before it expects the next Readable/Writable. EPOLLERR on a zero-copy socket means
 * its error queue has completions: that goes to the reaper, never to the socket.
 *
 * <p>{@code epoll_ctl} is safe from any thread, so a socket actor registers and removes its fd
 * directly: synchronously, before it closes the fd, so that no epoll_ctl ever names a closed and
 * reused fd number. Events carry a token, not the fd; an event whose token is no longer
 * registered is dropped. The eventfd wakes the thread for shutdown.
 *
 * <p><b>The poller runs what its readiness starts</b> (issue 10), within {@code
 * zerowire.poller.task-budget}: the mailbox runs its tells schedule on the default executor ({@link
 * VirtualThreadPerTask}) and the tells those make run here, on this thread, after the batch of
 * events, as a short run's tells do on a virtual thread; past the budget, or past the executor's
 * own bounds, they start virtual threads as before. Why: handing a readiness to a carrier woke
 * the other core, and on this VM waking a halted vCPU is the dearest step of a round trip (perf:
 * the poller's {@code try_to_wake_up} was 9 % of all samples of a zerowire client and server
 * pair); run here, a request read, answered and written costs one wake, the kernel's, as in a
 * loop of blocking calls. Across processes zerowire <-> zerowire Info went from 5-6k to 18-24k
 * round trips/s (README, Performance).
 *
 * <p>What must stay true: readiness is never held up for long by what runs here. Actors may block
 * (they run on virtual threads elsewhere, and a user's actor on this dispatcher may wait on an
 * ask), so {@link #watch}, called every few milliseconds from Pekko's scheduler, replaces a
 * poller thread that a task holds (blocked, or running long: see there): a new thread waits in
 * {@code epoll_wait} from then on and the old one ends when its task returns. Exactly one
 * of the two decides (a compare-and-set on the batch's stamp), so at most one thread waits in
 * {@code epoll_wait} at a time; each thread reads its batch from arrays of its own. The tasks the
 * blocked one had deferred are started on virtual threads by the executor's sweep.
 */
final class Poller {
  private static final Logger log = LoggerFactory.getLogger(Poller.class);
  private static final long WAKE_TOKEN = 0;
  private static final int MASK = Kernel.EPOLLIN | Kernel.EPOLLOUT | Kernel.EPOLLRDHUP | Kernel.EPOLLET;
  /**
   * A batch younger than this is never looked at: the same time after which the executor's sweep
   * frees the tasks deferred behind a blocked one ({@link VirtualThreadPerTask#STEAL_AFTER}).
   */
  static final Duration REPLACE_AFTER = VirtualThreadPerTask.STEAL_AFTER;
  /**
   * A poller thread in one batch for this long is replaced whatever its state. Longer than {@link
   * #REPLACE_AFTER}: cold code (an actor system's first seconds, its shutdown) legitimately runs
   * for tens of milliseconds in one mailbox run on a busy machine.
   */
  static final Duration HELD_LIMIT = Duration.ofMillis(100);

  /**
   * One registered fd: where its readiness goes, and the event mask epoll holds for it. {@code
   * readable}/{@code writable} tell the owning actor. Until {@link #attachReaper} EPOLLERR goes to
   * {@code readable} (a connect's error is the socket's); after it, to the reaper, paced by the
   * socket's {@link CompletionInbox}. Every change of the mask is made under this object's lock
   * from its current wishes (EPOLLOUT wanted, the drain cycle quiet), so the last epoll_ctl always
   * matches the last wish, and none is made once the fd left epoll (it may be closed and reused).
   */
  static final class Registration {
    final long token;
    final int fd;
    final Runnable readable;
    final Runnable writable;
    private volatile ActorRef<Reaper.Command> reaper;
    private volatile CompletionInbox inbox;
    private boolean wantWritable = true; // guarded by this; a connect's end comes as EPOLLOUT
    private boolean live = true; // guarded by this: false once the fd left epoll

    Registration(long token, int fd, Runnable readable, Runnable writable) {
      this.token = token;
      this.fd = fd;
      this.readable = readable;
      this.writable = writable;
    }

    /** A socket actor's registration. */
    static Registration socket(long token, int fd, ActorRef<SocketProtocol.Command> socket) {
      return new Registration(token, fd, () -> socket.tell(SocketActor.Readable.INSTANCE),
          () -> socket.tell(SocketActor.Writable.INSTANCE));
    }

    /** The mask for the current wishes; the caller holds the lock. */
    private int mask() {
      CompletionInbox i = inbox;
      return (wantWritable ? MASK : MASK & ~Kernel.EPOLLOUT) | (i != null && i.quieted() ? Kernel.EPOLLONESHOT : 0);
    }
  }

  private final Epoll epoll;
  private final EventFd wake;
  private final int maxEvents;
  private final long taskBudgetNanos;
  private final ThreadFactory threadFactory;
  private final ConcurrentHashMap<Long, Registration> registrations = new ConcurrentHashMap<>();
  private final AtomicLong tokens = new AtomicLong(WAKE_TOKEN);
  /** The stamp of the batch the polling thread is running tasks for; 0 while it waits or polls. */
  private final AtomicLong busySince = new AtomicLong();
  private long watchedStamp; // guarded by this: the batch the last watch looked at, and whether its thread waited
  private boolean watchedWaiting;
  private volatile Thread thread; // the thread that polls now (or last did)
  private volatile boolean running = true;
  private int threads; // guarded by this: poller threads not yet ended (a replaced one may still run a task)
  private boolean closed; // guarded by this: epoll and the eventfd are closed
  private long replaced; // guarded by this: threads replaced so far (for tests and diagnostics)

  /**
   * A poller reading up to {@code maxEvents} per {@code epoll_wait} that runs what its readiness
   * starts for up to {@code taskBudget} per batch (zero: it only tells, every task starts a thread).
   */
  Poller(int maxEvents, Duration taskBudget) throws IOException {
    this(maxEvents, taskBudget, Thread.ofPlatform().name("zerowire-poller").daemon(true).factory());
  }

  /** The same with the poller's threads from {@code threadFactory} (tests: one that fails). */
  Poller(int maxEvents, Duration taskBudget, ThreadFactory threadFactory) throws IOException {
    this.threadFactory = threadFactory;
    this.maxEvents = maxEvents;
    this.taskBudgetNanos = taskBudget.toNanos();
    this.epoll = new Epoll(maxEvents);
    EventFd w = null;
    try { // a start that fails half-way (EMFILE, no thread to be had) must not keep the fds it made
      w = new EventFd();
      epoll.add(w.fd(), Kernel.EPOLLIN, WAKE_TOKEN);
      this.wake = w;
      synchronized (this) {
        startThread();
      }
    } catch (IOException | RuntimeException | Error e) {
      if (w != null) {
        w.close();
      }
      epoll.close();
      throw e;
    }
  }

  /**
   * Starts a polling thread and makes it the one that polls; the caller holds the lock (so the
   * new thread cannot end, and count itself out, before it is counted in). Throws, changing
   * nothing, when no thread can be had (a process at its thread limit: OutOfMemoryError).
   */
  private void startThread() {
    Thread t = threadFactory.newThread(this::run);
    if (t == null) {
      throw new IllegalStateException("the thread factory gave no thread");
    }
    t.start();
    threads++;
    thread = t;
  }

  long newToken() {
    return tokens.incrementAndGet();
  }

  /** Starts delivering readiness of {@code r.fd}. Call from the owning actor. */
  void register(Registration r) throws IOException {
    registrations.put(r.token, r);
    try {
      synchronized (r) {
        epoll.add(r.fd, r.mask(), r.token);
      }
    } catch (IOException e) {
      registrations.remove(r.token);
      throw e;
    }
  }

  /**
   * From now on EPOLLERR on {@code r} goes to {@code reaper}, paced by {@code inbox}: a socket
   * actor attaches the reaper once its connect has ended (and after the reaper knows the token).
   */
  void attachReaper(Registration r, ActorRef<Reaper.Command> reaper, CompletionInbox inbox) {
    r.inbox = inbox;
    r.reaper = reaper;
  }

  /**
   * Turns EPOLLOUT on or off for a registered fd; EPOLLIN, EPOLLRDHUP and EPOLLET stay, and
   * EPOLLERR (the error queue) and EPOLLHUP come whatever the mask (epoll_ctl(2)). Edge-triggered
   * EPOLLOUT fires each time the peer frees room, on every ACK or read (a wasted wake-up of this
   * thread and of the socket actor per message), so a socket asks for it only while a write is
   * waiting for room, as Netty's epoll transport does. EPOLL_CTL_MOD re-checks readiness, so
   * room that came between the EAGAIN and this call still raises the event.
   */
  void watchWritable(Registration r, boolean on) throws IOException {
    synchronized (r) {
      r.wantWritable = on;
      modify(r);
    }
  }

  /**
   * Re-arms a registration made one-shot while its drain cycle was open ({@link
   * CompletionInbox#endCycle}): EPOLL_CTL_MOD re-checks readiness, so whatever came while it was
   * disarmed (data, room, hang-up, completions) is reported now.
   */
  void rearm(Registration r) throws IOException {
    synchronized (r) {
      modify(r);
    }
  }

  /** Stops delivering readiness of {@code r.fd}; after this returns the fd may be closed. */
  void deregister(Registration r) {
    synchronized (r) {
      if (!r.live) {
        return;
      }
      r.live = false;
      registrations.remove(r.token);
      try {
        epoll.remove(r.fd);
      } catch (IOException e) {
        log.warn("epoll_ctl(DEL) of fd {} failed: {}", r.fd, e.getMessage());
      }
    }
  }

  private void modify(Registration r) throws IOException {
    if (r.live) {
      epoll.modify(r.fd, r.mask(), r.token);
    }
  }

  int registered() {
    return registrations.size();
  }

  /** The epoll fd (for tests: /proc/self/fdinfo shows each registration's event mask). */
  int epollFd() {
    return epoll.fd();
  }

  /** The thread that polls now (for tests and diagnostics). */
  Thread thread() {
    return thread;
  }

  /** Poller threads replaced so far because a task held them (for tests and diagnostics). */
  synchronized long replaced() {
    return replaced;
  }

  /** This poller's JMX view ({@link PollerMXBean}). */
  PollerMXBean mxBean() {
    return new PollerMXBean() {
      @Override
      public int getRegistrations() {
        return registered();
      }

      @Override
      public long getThreadsReplaced() {
        return replaced();
      }

      @Override
      public long getTaskBudgetMicros() {
        return taskBudgetNanos / 1000;
      }
    };
  }

  /**
   * Replaces the polling thread if a task holds it: parked or sleeping (an actor that blocks) at
   * two looks in a row at the same batch, the first once the batch is over {@link #REPLACE_AFTER}
   * old, so after 10-30 ms; or in one batch for {@link #HELD_LIMIT} whatever it does (computing,
   * blocked in a native call, which shows as RUNNABLE, or not given a CPU). Wall time alone over a
   * short span is no sign: a thread merely not scheduled (2 busy cores, the JIT's threads, a GC
   * pause) or waiting for another's class loading is held by nothing a new thread would escape,
   * and on this VM that passed 10 ms a few times a second at start-up; nor is one look, which may
   * catch a thread parked for a moment. Called every {@code WATCH_EVERY} (10 ms) from Pekko's
   * scheduler thread; never blocks.
   */
  synchronized void watch() {
    long stamp = busySince.get();
    long age = System.nanoTime() - stamp;
    if (stamp == 0 || age <= REPLACE_AFTER.toNanos()) {
      return;
    }
    Thread held = thread;
    // Parked or sleeping, as an actor that blocks is; not BLOCKED on a monitor, which is how a
    // thread waits for another's class loading in cold code, for a while and for no fault of its own.
    Thread.State state = held.getState();
    boolean waiting = state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
    boolean blocked = stamp == watchedStamp && waiting && watchedWaiting;
    boolean tooLong = age >= HELD_LIMIT.toNanos();
    watchedStamp = stamp;
    watchedWaiting = waiting;
    // The compare-and-set decides against the old thread's own at the end of its batch: one wins.
    if ((blocked || tooLong) && running && !closed && busySince.compareAndSet(stamp, 0)) {
      try {
        startThread();
      } catch (RuntimeException | Error e) { // no thread to be had: the held one polls again when it can
        log.error("a task has held the zerowire poller thread {} for {} ms and no thread could replace it ({});"
            + " readiness waits until that task returns. It was at: {}", held.threadId(), age / 1_000_000, e,
            where(held));
        return;
      }
      replaced++;
      log.warn("a task has held the zerowire poller thread {} for {} ms ({}); a new thread polls from now on."
          + " Actors on zerowire.dispatcher should not block or compute long. It was at: {}",
          held.threadId(), age / 1_000_000, blocked ? "parked or sleeping" : state, where(held));
    }
  }

  /**
   * Whether this thread, its batch over, still polls: yes unless the watch took its batch ({@code
   * busySince} no longer its stamp) and another thread polls now. Under the lock, so a watch that
   * took the batch has either started the new thread or failed to, never half of it.
   */
  private boolean stillPolls(long stamp) {
    if (busySince.compareAndSet(stamp, 0)) {
      return true; // the usual case: no lock
    }
    synchronized (this) {
      return thread == Thread.currentThread();
    }
  }

  /** The top of {@code t}'s stack, for the log: what held the poller thread. */
  private static String where(Thread t) {
    StringBuilder b = new StringBuilder();
    StackTraceElement[] frames = t.getStackTrace();
    for (int i = 0; i < Math.min(frames.length, 12); i++) {
      b.append("\n    at ").append(frames[i]);
    }
    return b.toString();
  }

  private void run() {
    long[] tokens = new long[maxEvents]; // this thread's copy of its batch: a replacement reuses epoll's
    int[] events = new int[maxEvents];
    try {
      while (running) {
        int n = epoll.waitFor(-1);
        for (int i = 0; i < n; i++) {
          tokens[i] = epoll.token(i);
          events[i] = epoll.events(i);
          if (tokens[i] == WAKE_TOKEN) {
            wake.drain(); // here, not among the tasks: its failure stops this thread (below)
          }
        }
        if (taskBudgetNanos == 0) {
          dispatchAll(n, tokens, events);
          continue;
        }
        long stamp = System.nanoTime() | 1; // never 0, which means "not running tasks"
        busySince.set(stamp);
        VirtualThreadPerTask.runHere(() -> dispatchAll(n, tokens, events), taskBudgetNanos);
        if (!stillPolls(stamp)) {
          return; // replaced while a task ran: the new thread polls
        }
      }
    } catch (IOException | RuntimeException e) {
      if (running) {
        log.error("zerowire poller stopped on an error; sockets will get no more readiness", e);
      }
    } finally {
      ended();
    }
  }

  /** The last poller thread to end closes epoll and the eventfd. */
  private synchronized void ended() {
    if (--threads == 0 && !closed) {
      closed = true;
      epoll.close();
      wake.close();
    }
  }

  private void dispatchAll(int n, long[] tokens, int[] events) {
    for (int i = 0; i < n; i++) {
      Registration r = tokens[i] == WAKE_TOKEN ? null : registrations.get(tokens[i]);
      if (r != null) {
        dispatch(r, events[i]);
      }
    }
  }

  private void dispatch(Registration r, int events) {
    boolean err = (events & Kernel.EPOLLERR) != 0;
    ActorRef<Reaper.Command> reaper = r.reaper;
    if (err && reaper != null) {
      CompletionInbox inbox = r.inbox;
      if (inbox.errorQueueReady()) {
        reaper.tell(new Reaper.ErrorQueueReady(r.token));
      } else if (inbox.quiet()) {
        quiet(r);
      }
    }
    if ((events & (Kernel.EPOLLIN | Kernel.EPOLLHUP | Kernel.EPOLLRDHUP)) != 0 || (err && reaper == null)) {
      r.readable.run();
    }
    if ((events & Kernel.EPOLLOUT) != 0) {
      r.writable.run();
    }
  }

  /**
   * Completions keep coming while {@code r}'s drain cycle is open: each one would wake this thread
   * for nothing (the kernel's sk_error_report wakes every epoll waiter on the socket, and EPOLLERR
   * cannot be masked: epoll_ctl(2)). Made one-shot, the registration goes quiet after its next
   * event, until whoever ends the cycle re-arms it. Why (issue 10): at 64,000 B datagrams this
   * thread woke every ~2 datagrams, a third of the process's CPU. What it costs: while quiet, data
   * and room wait for the re-arm too; the cycle ends once the socket applied what the reaper
   * read, and the re-arm reports whatever came meanwhile. A failed epoll_ctl leaves the mask as
   * it was (not one-shot): only the wake-ups stay.
   */
  private void quiet(Registration r) {
    try {
      rearm(r);
    } catch (IOException e) {
      log.debug("epoll_ctl(MOD, EPOLLONESHOT) of fd {} failed: {}", r.fd, e.getMessage());
    }
  }

  /** Stops the thread and closes epoll and the eventfd; waits up to 5 s for the thread. */
  void stop() {
    Thread t;
    synchronized (this) {
      running = false;
      if (closed) {
        return; // the poller already stopped on an error
      }
      t = thread;
    }
    try {
      wake.signal();
      t.join(5000);
    } catch (IOException e) {
      log.warn("could not wake the poller: {}", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
