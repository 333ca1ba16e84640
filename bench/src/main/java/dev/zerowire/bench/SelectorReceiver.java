package dev.zerowire.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The receiving server of many-connections: one accept thread and a few platform threads, each
 * with a java.nio {@link Selector}, reading every ready connection into a shared direct buffer and
 * discarding the bytes, counting them. Closes a connection at EOF.
 */
final class SelectorReceiver implements AutoCloseable {
  private final ServerSocketChannel server;
  private final List<Loop> loops = new ArrayList<>();
  private final CpuMeter.ThreadSet threads = new CpuMeter.ThreadSet();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong closed = new AtomicLong();
  private volatile boolean stopping;

  SelectorReceiver(int selectorThreads) throws IOException {
    server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
    for (int i = 0; i < selectorThreads; i++) {
      Loop l = new Loop(Selector.open());
      Thread t = Thread.ofPlatform().name("bench-selector-" + i).daemon(true).unstarted(l::run);
      threads.add(t);
      loops.add(l);
      t.start();
    }
    Thread.ofPlatform().name("bench-selector-accept").daemon(true).start(this::acceptLoop);
  }

  InetSocketAddress address() throws IOException {
    return (InetSocketAddress) server.getLocalAddress();
  }

  CpuMeter.ThreadSet threads() {
    return threads;
  }

  long bytes() {
    return bytes.get();
  }

  long accepted() {
    return accepted.get();
  }

  long closed() {
    return closed.get();
  }

  private void acceptLoop() {
    int next = 0;
    while (!stopping) {
      try {
        SocketChannel ch = server.accept();
        ch.configureBlocking(false);
        Loop l = loops.get(next++ % loops.size());
        l.pending.add(ch);
        l.selector.wakeup();
        accepted.incrementAndGet();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        if (!stopping) {
          System.err.println("selector receiver accept failed: " + e);
        }
        return;
      }
    }
  }

  /** Waits until {@code until} is at least {@code value}; a timeout names {@code what}. */
  static void await(java.util.function.LongSupplier until, long value, Duration timeout, String what)
      throws TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (until.getAsLong() < value) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException(what + ": " + until.getAsLong() + " of " + value + " after " + timeout.toMillis() + " ms");
      }
      Thread.sleep(1);
    }
  }

  private final class Loop {
    final Selector selector;
    final ConcurrentLinkedQueue<SocketChannel> pending = new ConcurrentLinkedQueue<>();

    Loop(Selector selector) {
      this.selector = selector;
    }

    void run() {
      ByteBuffer buf = ByteBuffer.allocateDirect(256 * 1024);
      try {
        while (!stopping) {
          selector.select();
          SocketChannel ch;
          while ((ch = pending.poll()) != null) {
            ch.register(selector, SelectionKey.OP_READ);
          }
          Iterator<SelectionKey> it = selector.selectedKeys().iterator();
          while (it.hasNext()) {
            SelectionKey k = it.next();
            it.remove();
            SocketChannel c = (SocketChannel) k.channel();
            long got = 0;
            try {
              for (int i = 0; i < 4; i++) {
                buf.clear();
                int n = c.read(buf);
                if (n < 0) {
                  k.cancel();
                  c.close();
                  closed.incrementAndGet();
                  break;
                }
                if (n == 0) {
                  break;
                }
                got += n;
              }
            } catch (IOException e) {
              k.cancel();
              c.close();
              closed.incrementAndGet();
            }
            if (got > 0) {
              bytes.addAndGet(got);
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        if (!stopping) {
          System.err.println("selector loop failed: " + e);
        }
      } finally {
        try {
          for (SelectionKey k : selector.keys()) {
            k.channel().close();
          }
          selector.close();
        } catch (IOException | RuntimeException e) {
          // closing anyway
        }
      }
    }
  }

  @Override
  public void close() throws IOException {
    stopping = true;
    server.close();
    for (Loop l : loops) {
      l.selector.wakeup();
    }
  }
}
