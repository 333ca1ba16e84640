package dev.zerowire.actors;

import com.typesafe.config.Config;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import org.apache.pekko.dispatch.DispatcherPrerequisites;
import org.apache.pekko.dispatch.ExecutorServiceConfigurator;
import org.apache.pekko.dispatch.ExecutorServiceFactory;

/**
 * zerowire's dispatcher executor (the default): one new virtual thread per mailbox run, as Pekko's
 * {@code virtual-thread-executor}, but every thread carries the dispatcher's name instead of a
 * numbered one.
 *
 * <p>Why (issue 10): Pekko's factory numbers its virtual threads ({@code name(prefix, 0)}), so
 * starting one builds a new name string; with one thread per mailbox run that was the largest
 * single source of allocation in a blight client's round trips (JFR {@code allocation-by-class}:
 * {@code byte[]} 35 %, from {@code ThreadBuilders$BaseThreadFactory.nextThreadName}). A fixed name
 * costs nothing per thread; thread dumps and JFR still tell zerowire's threads apart by name and
 * each by its id. It also reads no JDK internals, so it needs no {@code --add-opens}.
 */
public final class VirtualThreadPerTask extends ExecutorServiceConfigurator {
  public VirtualThreadPerTask(Config config, DispatcherPrerequisites prerequisites) {
    super(config, prerequisites);
  }

  @Override
  public ExecutorServiceFactory createExecutorServiceFactory(String id, ThreadFactory threadFactory) {
    ThreadFactory named = Thread.ofVirtual().name(id).factory(); // no counter: no string built per thread
    return () -> Executors.newThreadPerTaskExecutor(named);
  }
}
