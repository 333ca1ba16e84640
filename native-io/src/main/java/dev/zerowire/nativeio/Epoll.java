package dev.zerowire.nativeio;

import com.sun.jna.Platform;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An epoll instance and its event array (epoll(7)).
 *
 * <p>{@code struct epoll_event} is {@code {u32 events; u64 data}}: packed to 12 bytes on x86-64
 * (include/uapi/linux/eventpoll.h, {@code EPOLL_PACKED}) and 16 bytes with data at offset 8
 * elsewhere. Each registration carries a 64-bit token of the caller's choosing in {@code data};
 * tokens, not fds, name registrations, so an event for a closed and reused fd number can be told
 * apart from the new one's.
 *
 * <p>{@link #waitFor} blocks and belongs on one platform thread (the poller). {@link #add},
 * {@link #modify} and {@link #remove} are safe from any thread (the kernel serialises them); they
 * pass the event struct by value-copy, so no native memory is shared.
 */
public final class Epoll implements AutoCloseable {
  private static final boolean PACKED = Platform.isIntel() && Platform.is64Bit();
  private static final int EVENT_SIZE = PACKED ? 12 : 16;
  private static final int DATA_OFFSET = PACKED ? 4 : 8;

  private final int epfd;
  private final int maxEvents;
  private final NativeMemory events;
  private volatile boolean closed;

  public Epoll(int maxEvents) throws IOException {
    if (maxEvents < 1) {
      throw new IllegalArgumentException("maxEvents must be >= 1, was " + maxEvents);
    }
    int fd = Errors.check("epoll_create1", LibC.epoll_create1(Kernel.EPOLL_CLOEXEC));
    try {
      this.events = new NativeMemory(Math.multiplyExact(maxEvents, EVENT_SIZE));
    } catch (RuntimeException | Error e) { // the fd must not outlive a constructor that failed
      LibC.close(fd);
      throw e;
    }
    this.epfd = fd;
    this.maxEvents = maxEvents;
  }

  /** EPOLL_CTL_ADD {@code fd} for {@code eventMask} (EPOLLIN | EPOLLOUT | EPOLLET ...). */
  public void add(int fd, int eventMask, long token) throws IOException {
    ctl(Kernel.EPOLL_CTL_ADD, fd, eventMask, token, "epoll_ctl(ADD)");
  }

  public void modify(int fd, int eventMask, long token) throws IOException {
    ctl(Kernel.EPOLL_CTL_MOD, fd, eventMask, token, "epoll_ctl(MOD)");
  }

  /** EPOLL_CTL_DEL; an fd already closed (EBADF) or not registered (ENOENT) is not an error. */
  public void remove(int fd) throws IOException {
    checkOpen("epoll_ctl(DEL)");
    int rc = LibC.epoll_ctl(epfd, Kernel.EPOLL_CTL_DEL, fd, null);
    if (rc < 0) {
      int errno = Errors.errno();
      if (errno != Errno.EBADF && errno != Errno.ENOENT) {
        throw Errors.exception("epoll_ctl(DEL)", errno);
      }
    }
  }

  private void ctl(int op, int fd, int mask, long token, String what) throws IOException {
    checkOpen(what);
    ByteBuffer ev = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
    ev.putInt(0, mask).putLong(DATA_OFFSET, token);
    Errors.check(what, LibC.epoll_ctl(epfd, op, fd, ev.array()));
  }

  /**
   * Waits up to {@code timeoutMs} (-1: forever) for events; returns how many (0 on timeout or
   * EINTR). Read them with {@link #events(int)} and {@link #token(int)} before the next wait.
   */
  public int waitFor(int timeoutMs) throws IOException {
    checkOpen("epoll_wait");
    int n = LibC.epoll_wait(epfd, events.address, maxEvents, timeoutMs);
    if (n < 0) {
      int errno = Errors.errno();
      if (errno == Errno.EINTR) {
        return 0;
      }
      throw Errors.exception("epoll_wait", errno);
    }
    return n;
  }

  /** The event mask of event {@code i} of the last wait. */
  public int events(int i) {
    return events.bytes.getInt(i * EVENT_SIZE);
  }

  /** The token of event {@code i} of the last wait. */
  public long token(int i) {
    return events.bytes.getLong(i * EVENT_SIZE + DATA_OFFSET);
  }

  public int fd() {
    return epfd;
  }

  /** After close the epfd number may name another file: never pass it to the kernel again. */
  private void checkOpen(String op) throws SocketClosedException {
    if (closed) {
      throw new SocketClosedException(op + " on a closed epoll");
    }
  }

  /** Closes the epoll fd. Call only after the waiting thread has stopped waiting. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      LibC.close(epfd);
      events.free();
    }
  }
}
