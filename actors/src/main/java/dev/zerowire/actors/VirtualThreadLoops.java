package dev.zerowire.actors;

import com.typesafe.config.Config;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.pekko.dispatch.DispatcherPrerequisites;
import org.apache.pekko.dispatch.ExecutorServiceConfigurator;
import org.apache.pekko.dispatch.ExecutorServiceFactory;

/**
 * An opt-in executor for zerowire's dispatcher ({@code zerowire.dispatcher.executor =
 * "dev.zerowire.actors.VirtualThreadLoops"}): actor mailboxes run on a fixed set of long-lived
 * virtual threads, the loops, instead of a new virtual thread per mailbox run (Pekko's {@code
 * virtual-thread-executor}, the default). It spends less CPU per message and gives up parallelism:
 * on 2 cores true-zerocopy took 0.15-0.18 CPU s/GiB against 0.22, and small messages reached
 * 1.08 M msg/s against 1.5-1.7 M (issue 10; README, Design).
 *
 * <p>Why (issue 10, the actor tax). With one virtual thread per task every hop between two actors
 * creates and starts a virtual thread, and starting one submits it to the carrier pool with
 * {@code ForkJoinPool.signalWork}: the idle carrier is woken on the other core, steals the task,
 * and the first carrier parks. A blight round trip crosses five such hops, each a futex wake and a
 * cache-cold core (JFR: {@code signalWork}, {@code deactivate}, {@code VirtualThread} and the
 * executor's thread-set {@code ConcurrentHashMap} nodes at the top of the profile). Here a task
 * submitted from a loop (one actor telling another) goes to that loop's own queue and runs right
 * after the current task on the same thread, with no wake and no allocation but the queue slot;
 * that is the affinity Netty's event loops have. Only a task from outside (the poller thread, a
 * user thread, a timer) goes to the shared queue and unparks an idle loop, one wake, as before.
 *
 * <p>What must stay true:
 * <ul>
 *   <li>No submitted task is lost: a loop parks only after announcing itself idle and finding the
 *       shared queue empty; a submitter offers to the shared queue before it looks for an idle
 *       loop (both through sequentially consistent atomics), so one of them sees the other.
 *   <li>Work spreads when it piles up: a loop with more than {@value #SPREAD_ABOVE} tasks of its own while
 *       another loop is idle moves half of them to the shared queue and wakes that loop; a task submitted by a task that has run
 *       longer than {@link #HAND_OFF_AFTER_NANOS} goes to an idle loop; every
 *       {@value #SHARED_EVERY}th task a busy loop takes from the shared queue first, so chains of
 *       local work never starve the poller's readiness.
 *   <li>Tasks do not block. Actors on this dispatcher never did (sockets are non-blocking, sends
 *       use {@code MSG_DONTWAIT}); an actor that blocks holds up the tasks queued behind it on its
 *       loop, as on an event loop. The loops are virtual threads, so a blocked one frees its carrier.
 * </ul>
 *
 * <p>Configured as {@code executor = "dev.zerowire.actors.VirtualThreadLoops"} with {@code
 * virtual-thread-loops.loops} (0: one per available processor).
 */
public final class VirtualThreadLoops extends ExecutorServiceConfigurator {
  /** A busy loop takes from the shared queue first on every task number divisible by this. */
  static final int SHARED_EVERY = 16;
  /**
   * A loop spreads its own tasks only past this many: one actor telling two others (an Ack and a
   * ResumeReading) must not wake the other core for a task that runs in a microsecond here.
   */
  static final int SPREAD_ABOVE = 4;
  /**
   * A task submitted by a task that has run longer than this goes to an idle loop instead of
   * waiting behind it: a socket actor reading a burst (16 reads per Readable, up to the mailbox's
   * throughput of messages in one run) must not hold back its handler, which then could neither
   * run beside it nor push back (SuspendReading) until the burst is over. Short chains (a round
   * trip's hops take microseconds) stay on their loop.
   */
  static final long HAND_OFF_AFTER_NANOS = 50_000;

  private final int loops;

  public VirtualThreadLoops(Config config, DispatcherPrerequisites prerequisites) {
    super(config, prerequisites);
    int n = config.hasPath("virtual-thread-loops.loops") ? config.getInt("virtual-thread-loops.loops") : 0;
    this.loops = n > 0 ? n : Runtime.getRuntime().availableProcessors();
  }

  @Override
  public ExecutorServiceFactory createExecutorServiceFactory(String id, ThreadFactory threadFactory) {
    return () -> new Executor(id, loops);
  }

  /** The executor: {@code n} loops, a shared queue, and the count of idle loops. */
  static final class Executor extends AbstractExecutorService {
    private final Loop[] loops;
    private final ConcurrentLinkedQueue<Runnable> shared = new ConcurrentLinkedQueue<>();
    private final AtomicInteger idle = new AtomicInteger();
    private volatile boolean shutdown;

    private final long handOffAfterNanos;

    Executor(String name, int n) {
      this(name, n, HAND_OFF_AFTER_NANOS);
    }

    /** With the long-task hand-off after {@code handOffAfterNanos} (tests: Long.MAX_VALUE turns it off). */
    Executor(String name, int n, long handOffAfterNanos) {
      this.handOffAfterNanos = handOffAfterNanos;
      loops = new Loop[n];
      for (int i = 0; i < n; i++) {
        loops[i] = new Loop(this);
      }
      for (int i = 0; i < n; i++) {
        loops[i].thread = Thread.ofVirtual().name(name + "-loop-" + i).unstarted(loops[i]);
      }
      for (Loop l : loops) {
        l.thread.start();
      }
    }

    @Override
    public void execute(Runnable task) {
      if (shutdown) {
        throw new RejectedExecutionException("zerowire dispatcher loops are shut down");
      }
      Thread current = Thread.currentThread();
      for (Loop l : loops) {
        if (l.thread == current) {
          if (idle.get() > 0 && System.nanoTime() - l.taskStartNanos > handOffAfterNanos) {
            break; // a long task: let an idle loop run this one beside it (the shared queue below)
          }
          l.local.addLast(task); // runs after the current task, on this thread: no wake
          return;
        }
      }
      shared.offer(task);
      wakeOne();
    }

    /** Unparks one idle loop, if there is one (a busy loop will look at the shared queue anyway). */
    void wakeOne() {
      if (idle.get() == 0) {
        return;
      }
      for (Loop l : loops) {
        if (l.claimWake()) {
          idle.decrementAndGet();
          LockSupport.unpark(l.thread);
          return;
        }
      }
    }

    Runnable pollShared() {
      return shared.poll();
    }

    @Override
    public void shutdown() {
      shutdown = true;
      for (Loop l : loops) {
        LockSupport.unpark(l.thread);
      }
    }

    @Override
    public List<Runnable> shutdownNow() {
      shutdown();
      List<Runnable> left = new ArrayList<>();
      for (Runnable r; (r = shared.poll()) != null; ) {
        left.add(r);
      }
      return left;
    }

    @Override
    public boolean isShutdown() {
      return shutdown;
    }

    @Override
    public boolean isTerminated() {
      if (!shutdown) {
        return false;
      }
      for (Loop l : loops) {
        if (l.thread.isAlive()) {
          return false;
        }
      }
      return true;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
      long deadline = System.nanoTime() + unit.toNanos(timeout);
      for (Loop l : loops) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !l.thread.join(java.time.Duration.ofNanos(left))) {
          return isTerminated();
        }
      }
      return true;
    }

    /** Loops parked now (for tests). */
    int idleLoops() {
      return idle.get();
    }
  }

  /** One loop: its own queue, touched only by its own thread, and its idle flag. */
  static final class Loop implements Runnable {
    private final Executor executor;
    final ArrayDeque<Runnable> local = new ArrayDeque<>();
    Thread thread;
    /** Set by the loop before it parks; cleared by exactly one waker (or by the loop itself). */
    private final java.util.concurrent.atomic.AtomicBoolean parked = new java.util.concurrent.atomic.AtomicBoolean();
    private int tick;
    long taskStartNanos; // when the current task began; read only on this loop's own thread (execute)

    Loop(Executor executor) {
      this.executor = executor;
    }

    boolean claimWake() {
      return parked.get() && parked.compareAndSet(true, false);
    }

    @Override
    public void run() {
      for (;;) {
        Runnable task = next();
        if (task == null) {
          if (executor.shutdown) {
            return;
          }
          idleWait();
          continue;
        }
        taskStartNanos = System.nanoTime();
        try {
          task.run();
        } catch (Throwable t) {
          Thread.UncaughtExceptionHandler h = thread.getUncaughtExceptionHandler();
          h.uncaughtException(thread, t);
        }
        Thread.interrupted(); // an interrupt meant for one task must not reach the next
        spread();
      }
    }

    private Runnable next() {
      if ((++tick % SHARED_EVERY) == 0) {
        Runnable s = executor.pollShared();
        if (s != null) {
          return s;
        }
      }
      Runnable t = local.pollFirst();
      return t != null ? t : executor.pollShared();
    }

    /** Many tasks of our own and a loop idle: hand half to it through the shared queue. */
    private void spread() {
      int n = local.size();
      if (n > SPREAD_ABOVE && executor.idle.get() > 0) {
        for (int i = n / 2; i > 0; i--) {
          executor.shared.offer(local.pollLast());
        }
        executor.wakeOne();
      }
    }

    private void idleWait() {
      parked.set(true);
      executor.idle.incrementAndGet();
      // Re-check after announcing: a submitter that offered before it could see us idle is seen here.
      if (!executor.shared.isEmpty() || executor.shutdown) {
        if (parked.compareAndSet(true, false)) {
          executor.idle.decrementAndGet();
        }
        return;
      }
      LockSupport.park(this);
      if (parked.compareAndSet(true, false)) { // a spurious return: nobody claimed the wake
        executor.idle.decrementAndGet();
      }
    }
  }
}
