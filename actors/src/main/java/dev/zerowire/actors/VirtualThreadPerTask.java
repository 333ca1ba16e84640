package dev.zerowire.actors;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.dispatch.DispatcherPrerequisites;
import org.apache.pekko.dispatch.ExecutionContexts$;
import org.apache.pekko.dispatch.ExecutorServiceConfigurator;
import org.apache.pekko.dispatch.ExecutorServiceFactory;

/**
 * zerowire's dispatcher executor (the default): a virtual thread per mailbox run, as Pekko's
 * {@code virtual-thread-executor}, except that a short run's first {@value #DEFER} tells continue on
 * the thread they were made on, after the run, instead of starting threads of their own.
 *
 * <p>Why (issue 10, the actor tax). Starting a virtual thread from a carrier submits it to the
 * carrier pool, and {@code ForkJoinPool.signalWork} wakes an idle carrier for it: on 2 cores each
 * hop between two actors cost a futex wake and a cache-cold core (10-15 µs of CPU on this VM),
 * and a blight round trip crosses five. A chain of short hops (a request, its write, the outcome,
 * the answer) has no parallelism to gain from the other core, so here the first tasks a short run
 * submits wait in the run's own slots and run right after it on the same thread, in the order they
 * were submitted: no thread start, no wake. Anything else (a task past the slots, a task from a
 * run that has already taken
 * {@link #HAND_OFF_AFTER_NANOS}, a task from a platform thread such as the poller, a timer or a
 * user's thread) starts a virtual thread of its own, as before, and may run beside it on the other
 * core: a socket reading a burst does not hold back the handler that must keep up with it.
 *
 * <p>What must stay true:
 * <ul>
 *   <li>No task is lost or run twice: a deferred task is held by exactly one thread's slots, and
 *       either that thread runs it after the tasks before it, whatever they threw, or the sweep
 *       (below) starts a thread for it.
 *   <li>No thread runs forever: a thread runs at most {@value #CHAIN} tasks; past that its tasks
 *       start threads of their own, so a ping-pong of two actors cannot keep a carrier from the
 *       other virtual threads waiting for it (virtual threads are not preempted, JEP 444).
 *   <li>A task that blocks or runs long does not hold back the tasks it deferred for longer than
 *       about {@link #STEAL_AFTER} plus one {@link #SWEEP_EVERY}: a sweep on Pekko's scheduler
 *       (whose thread wakes every tick anyway) starts a thread for each task deferred by a task
 *       that has run longer than that. zerowire's own actors never block (sockets are
 *       non-blocking, sends use {@code MSG_DONTWAIT}), but yours may: on virtual threads an actor
 *       that tells another and then waits for its answer (an ask and a get) is allowed, and
 *       without the sweep it would wait for ever for a tell parked behind its own run.
 *       Exactly one of the run and the sweep takes each deferred task ({@code getAndSet}).
 *   <li>An interrupt meant for one task does not reach the next on the same thread.
 * </ul>
 *
 * <p>Every thread carries the dispatcher's name, not a numbered one: Pekko's factory builds a new
 * name string per thread, which was the largest single source of allocation in a blight client's
 * round trips (JFR {@code allocation-by-class}: {@code byte[]} 35 %, from {@code
 * ThreadBuilders$BaseThreadFactory.nextThreadName}); thread dumps and JFR still tell zerowire's
 * threads apart by name and each by its id.
 */
public final class VirtualThreadPerTask extends ExecutorServiceConfigurator {
  /**
   * A task submitted by a task that has run longer than this starts a thread of its own: a burst
   * must not hold back the actor it feeds. The loops' rule, and so their constant.
   */
  static final long HAND_OFF_AFTER_NANOS = VirtualThreadLoops.HAND_OFF_AFTER_NANOS;
  /**
   * Tasks one thread runs at most (its own and those deferred to it). A bound, so that a ping-pong
   * cannot keep its carrier for ever; not a small one, because every thread that ends a chain
   * starts the next with a wake. Interleaved quick runs (2026-12-03), 32 / 128 / 256 / 1024:
   * true-zerocopy 1.35-1.47x / 1.27x, 1.44x / 1.16-1.25x / 1.18x, 1.30x the floor's CPU per byte;
   * 32 against 256: zerowire <-> zerowire Info across processes 11,481-18,552 against
   * 27,882-28,163 round trips/s, small messages, round trips and 64 KiB into the server within noise.
   */
  static final int CHAIN = 256;
  /**
   * Tasks a thread holds deferred at most. Two, because a reply often travels with a second tell
   * (the blight client's answer and its socket's ResumeReading): with one, the second woke the
   * other carrier each round trip. Interleaved quick runs (2026-12-03), 1 / 2 / 4: true-zerocopy
   * 1.64-1.68x / 1.36-1.37x / 1.45-1.47x the floor's CPU per byte, small messages 2.08-2.24 M /
   * 2.24-2.35 M / 2.12-2.24 M msg/s, round trips within noise.
   */
  static final int DEFER = 2;
  /** A deferred task is handed to a thread of its own once the task it waits behind has run this long. */
  static final Duration STEAL_AFTER = Duration.ofMillis(10);
  /** How often the sweep looks (Pekko's scheduler ticks every 10 ms by default). */
  static final Duration SWEEP_EVERY = Duration.ofMillis(10);

  private final DispatcherPrerequisites prerequisites;

  public VirtualThreadPerTask(Config config, DispatcherPrerequisites prerequisites) {
    super(config, prerequisites);
    this.prerequisites = prerequisites;
  }

  @Override
  public ExecutorServiceFactory createExecutorServiceFactory(String id, ThreadFactory threadFactory) {
    ThreadFactory named = Thread.ofVirtual().name(id).factory(); // no counter: no string built per thread
    return () -> {
      Executor e = new Executor(named, HAND_OFF_AFTER_NANOS, STEAL_AFTER.toNanos());
      e.sweeper = prerequisites.scheduler().scheduleWithFixedDelay(SWEEP_EVERY, SWEEP_EVERY, e::sweep,
          ExecutionContexts$.MODULE$.parasitic()); // on the scheduler's thread: a sweep only starts threads
      return e;
    };
  }

  /** The executor: threads from {@code factory}, each running a {@link Run}. */
  static final class Executor extends AbstractExecutorService {
    /** The run on this thread, if it is one of an executor of this kind (null elsewhere). */
    private static final ThreadLocal<Run> CURRENT = new ThreadLocal<>();

    private final ThreadFactory factory;
    private final long handOffAfterNanos;
    private final long stealAfterNanos;
    private final AtomicInteger live = new AtomicInteger();
    /** Runs that have deferred a task, until they end: what {@link #sweep} looks at. */
    private final ConcurrentLinkedQueue<Run> deferring = new ConcurrentLinkedQueue<>();
    private volatile boolean shutdown;
    volatile Cancellable sweeper; // set once by the factory; null where nothing sweeps (tests call sweep)

    /**
     * With the long-task hand-off after {@code handOffAfterNanos} (tests: Long.MAX_VALUE turns it
     * off) and deferred tasks taken by {@link #sweep} once their run's task is {@code
     * stealAfterNanos} old.
     */
    Executor(ThreadFactory factory, long handOffAfterNanos, long stealAfterNanos) {
      this.factory = factory;
      this.handOffAfterNanos = handOffAfterNanos;
      this.stealAfterNanos = stealAfterNanos;
    }

    @Override
    public void execute(Runnable task) {
      if (shutdown) {
        throw new RejectedExecutionException("zerowire dispatcher is shut down");
      }
      Run here = CURRENT.get();
      if (here != null && here.bind(this) && here.defer(task)) {
        return;
      }
      start(task);
    }

    private void start(Runnable task) {
      live.incrementAndGet();
      try {
        factory.newThread(new Run(this, task)).start();
      } catch (Throwable t) {
        ended();
        throw t;
      }
    }

    /**
     * Starts a thread for each task deferred behind a task that has run longer than the steal
     * time (blocked, or long), and forgets runs that have ended. Called on Pekko's scheduler
     * thread; it never blocks.
     */
    void sweep() {
      if (shutdown && live.get() == 0) {
        Cancellable c = sweeper; // every thread has ended: nothing can be deferred any more
        if (c != null) {
          c.cancel();
        }
      }
      long now = System.nanoTime();
      for (var it = deferring.iterator(); it.hasNext(); ) {
        Run r = it.next();
        if (r.ended) {
          it.remove();
        } else if (now - r.taskStartNanos > stealAfterNanos) {
          for (int i = 0; i < DEFER; i++) {
            Runnable t = r.slots.getAndSet(i, null);
            if (t != null) {
              start(t);
            }
          }
        }
      }
    }

    private void ended() {
      live.decrementAndGet();
      wakeWaitersIfTerminated();
    }

    /** Wakes {@link #awaitTermination} once shut down with no thread left. */
    private void wakeWaitersIfTerminated() {
      if (isTerminated()) {
        synchronized (this) {
          notifyAll();
        }
      }
    }

    /**
     * Adds a run for the sweep, first dropping ended runs from the front: runs end roughly in the
     * order they started, so the queue stays short even where the sweep never runs (a test's
     * manual scheduler), and memory does not depend on the scheduler's tick.
     */
    void register(Run r) {
      for (Run h; (h = deferring.peek()) != null && h.ended; ) {
        deferring.remove(h); // by identity: another thread may have removed it first
      }
      deferring.offer(r);
    }

    /** Runs the sweep still looks at (for tests). */
    int deferringRuns() {
      return deferring.size();
    }

    @Override
    public void shutdown() {
      shutdown = true; // the sweep goes on while threads run: one of them may wait on a deferred task
      wakeWaitersIfTerminated();
    }

    @Override
    public List<Runnable> shutdownNow() {
      shutdown();
      return new ArrayList<>(); // started threads finish their tasks; none is queued here
    }

    @Override
    public boolean isShutdown() {
      return shutdown;
    }

    @Override
    public boolean isTerminated() {
      return shutdown && live.get() == 0;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
      long deadline = System.nanoTime() + unit.toNanos(timeout);
      synchronized (this) {
        while (!isTerminated()) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          TimeUnit.NANOSECONDS.timedWait(this, left);
        }
      }
      return true;
    }
  }

  /**
   * One thread's work: its first task, then the tasks deferred to it, in order, at most {@value
   * #DEFER} waiting at a time. The ring's indices are the owner's; the slots are shared with the
   * sweep, and whoever takes a slot's task first ({@code getAndSet}) runs or starts it.
   */
  static final class Run implements Runnable {
    /** Whose tasks may wait here; null only in a borrowed run before its first deferral. */
    private Executor executor;
    /** True for a run on a thread the executor did not start ({@link #runHere}). */
    private final boolean borrowed;
    /** A borrowed run takes tasks only this long after it began; others have no such limit. */
    private final long budgetNanos;
    final AtomicReferenceArray<Runnable> slots = new AtomicReferenceArray<>(DEFER);
    private Runnable first;
    private int head;
    private int count; // slots filled and not yet taken by the owner (the sweep may have emptied some)
    private int ran;
    private boolean registered;
    private boolean handingOff; // the task running now hands what it submits to other threads: handOffFromNowOn
    private long startNanos; // a borrowed run's start
    volatile long taskStartNanos;
    volatile boolean ended;

    Run(Executor executor, Runnable first) {
      this.executor = executor;
      this.first = first;
      this.borrowed = false;
      this.budgetNanos = Long.MAX_VALUE;
    }

    private Run(Runnable first, long budgetNanos) {
      this.first = first;
      this.borrowed = true;
      this.budgetNanos = budgetNanos;
    }

    /**
     * Whether {@code e}'s tasks may wait here: a run takes one executor's tasks only, a borrowed
     * run those of the first executor that offers one (a thread serves one actor system).
     */
    boolean bind(Executor e) {
      if (executor == null) {
        executor = e;
      }
      return executor == e;
    }

    /** Called on this run's own thread only. */
    boolean defer(Runnable task) {
      if (handingOff || count == DEFER || ran + count >= CHAIN) {
        return false;
      }
      long now = System.nanoTime(); // read only when the slots would take it (clock_gettime: issue 10)
      if (now - taskStartNanos > executor.handOffAfterNanos || (borrowed && now - startNanos > budgetNanos)) {
        return false;
      }
      slots.set((head + count++) % DEFER, task);
      if (!registered) {
        registered = true;
        executor.register(this);
      }
      return true;
    }

    /** The next deferred task the sweep has not taken, or null. */
    private Runnable next() {
      while (count > 0) {
        Runnable t = slots.getAndSet(head, null);
        head = (head + 1) % DEFER;
        count--;
        if (t != null) {
          return t;
        }
      }
      return null;
    }

    @Override
    public void run() {
      Executor.CURRENT.set(this);
      if (borrowed) {
        startNanos = System.nanoTime();
      }
      try {
        Runnable task = first;
        first = null;
        for (; task != null; task = next()) {
          ran++;
          handingOff = false;
          taskStartNanos = System.nanoTime();
          try {
            task.run();
          } catch (Throwable t) {
            Thread self = Thread.currentThread();
            self.getUncaughtExceptionHandler().uncaughtException(self, t);
          }
          Thread.interrupted(); // an interrupt meant for one task must not reach the next
        }
      } finally {
        ended = true;
        if (borrowed) {
          Executor.CURRENT.remove(); // the thread goes on doing other work
        } else {
          executor.ended();
        }
      }
    }
  }

  /**
   * Says that what the task running on this thread submits from now on is worth a core of its
   * own (a blight outbox handing its socket 64 or more Sends): it starts threads of its own, which
   * the other cores can run beside this task, instead of waiting in this run's slots until the
   * task ends. The hand-off rule ({@link #HAND_OFF_AFTER_NANOS}) judges by how long the task has
   * run, which says nothing about how much work it is handing on; the caller knows. Lasts until
   * the task ends. No effect on a thread of another executor (the loops') or outside one.
   */
  public static void handOffFromNowOn() {
    Run r = Executor.CURRENT.get();
    if (r != null) {
      r.handingOff = true;
    }
  }

  /**
   * Runs {@code body} on this thread (one the executor did not start: the poller's) as a run of
   * its own: the first {@value #DEFER} tasks it submits to an executor of this kind, and the tasks
   * those submit, wait and run here after it, under the same bounds as any run's (the chain, the
   * hand-off, the sweep) and only while {@code budgetNanos} have not passed since it began; every
   * other task starts a thread as usual. Returns when the last task run here has.
   */
  static void runHere(Runnable body, long budgetNanos) {
    new Run(body, budgetNanos).run();
  }
}
