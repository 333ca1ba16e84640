package dev.zerowire.nativeio;

import com.sun.jna.Native;
import java.io.IOException;
import java.net.ConnectException;

/**
 * The one place where errno becomes a result or an exception (as Netty's {@code unix/Errors}).
 *
 * <p>Rules that must stay true: EAGAIN/EWOULDBLOCK is a result ("would block"), never an
 * exception; EINTR is retried by the caller's loop, never surfaced; every exception message names
 * the syscall, the errno number and name, and strerror; EBADF maps to the JDK's {@link
 * java.nio.channels.ClosedChannelException}, ECONNREFUSED to {@link ConnectException}.
 */
public final class Errors {
  private Errors() {}

  /** errno of the calling thread, as libc left it after the last JNA call on this thread. */
  static int errno() {
    return Native.getLastError();
  }

  /** {@code sendmsg(..) failed with error(105) ENOBUFS: No buffer space available}. */
  static String describe(String syscall, int errno) {
    return syscall + "(..) failed with error(" + errno + ") " + Errno.name(errno) + ": "
        + strerror(errno);
  }

  static String strerror(int errno) {
    try {
      return LibC.strerror(errno);
    } catch (RuntimeException | Error e) { // strerror itself cannot fail; belt and braces
      return "Unknown error " + errno;
    }
  }

  /** The exception for {@code errno} from {@code syscall}. */
  public static IOException exception(String syscall, int errno) {
    return switch (errno) {
      case Errno.EBADF -> new SocketClosedException(describe(syscall, errno));
      case Errno.ECONNREFUSED -> new ConnectException(describe(syscall, errno));
      default -> new NativeIoException(syscall, errno);
    };
  }

  /** Returns {@code rc}, or throws for {@code rc < 0} with the thread's errno. */
  static int check(String syscall, int rc) throws IOException {
    if (rc < 0) {
      throw exception(syscall, errno());
    }
    return rc;
  }

  /** Returns {@code rc}, or throws for {@code rc < 0} with the thread's errno. */
  static long check(String syscall, long rc) throws IOException {
    if (rc < 0) {
      throw exception(syscall, errno());
    }
    return rc;
  }
}
