package dev.zerowire.nativeio;

import java.io.IOException;

/**
 * A non-blocking eventfd (eventfd(2)): how other threads wake the poller out of epoll_wait for
 * registration changes and shutdown. {@link #signal()} is safe from any thread.
 */
public final class EventFd implements AutoCloseable {
  private final int fd;
  private final NativeMemory word; // the 8-byte counter read/write
  private final NativeMemory one;
  private volatile boolean closed;

  public EventFd() throws IOException {
    // The fd first: if eventfd(2) fails (EMFILE), nothing has been allocated that would need freeing.
    this.fd = Errors.check("eventfd", LibC.eventfd(0, Kernel.EFD_NONBLOCK | Kernel.EFD_CLOEXEC));
    this.word = new NativeMemory(8);
    this.one = new NativeMemory(8);
    one.bytes.putLong(0, 1L);
  }

  public int fd() {
    return fd;
  }

  /**
   * Adds 1 to the counter, making the fd readable. EAGAIN (counter full) still means "signalled".
   * A no-op after close. Synchronized with {@link #close()}: a signal racing shutdown must not
   * write to a closed (maybe reused) fd number from freed memory.
   */
  public synchronized void signal() throws IOException {
    if (closed) {
      return;
    }
    long rc = LibC.write(fd, one.address, 8);
    if (rc < 0) {
      int errno = Errors.errno();
      if (errno != Errno.EAGAIN && errno != Errno.EINTR) {
        throw Errors.exception("write(eventfd)", errno);
      }
    }
  }

  /**
   * Resets the counter to 0; returns the count read (0 when not signalled). Poller thread only.
   *
   * @throws SocketClosedException after close: the fd number may already name another file
   */
  public long drain() throws IOException {
    if (closed) {
      throw new SocketClosedException("read(eventfd) on a closed eventfd");
    }
    long rc = LibC.read(fd, word.address, 8);
    if (rc < 0) {
      int errno = Errors.errno();
      if (errno == Errno.EAGAIN || errno == Errno.EINTR) {
        return 0;
      }
      throw Errors.exception("read(eventfd)", errno);
    }
    return word.bytes.getLong(0);
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      LibC.close(fd);
      word.free();
      one.free();
    }
  }
}
