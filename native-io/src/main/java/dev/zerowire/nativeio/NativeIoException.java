package dev.zerowire.nativeio;

import java.io.IOException;

/**
 * A system call failed. The message names the call, the errno number and name, and strerror,
 * in one line: {@code sendmsg(..) failed with error(105) ENOBUFS: No buffer space available}.
 */
public class NativeIoException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String syscall;
  private final int errno;

  public NativeIoException(String syscall, int errno) {
    super(Errors.describe(syscall, errno));
    this.syscall = syscall;
    this.errno = errno;
  }

  /** The system call that failed, e.g. {@code "sendmsg"}. */
  public String syscall() {
    return syscall;
  }

  /** The errno it failed with (see {@link Errno}). */
  public int errno() {
    return errno;
  }

  /** Whether the peer reset or went away (ECONNRESET, EPIPE, ENOTCONN, ECONNABORTED). */
  public boolean isConnectionLost() {
    return errno == Errno.ECONNRESET
        || errno == Errno.EPIPE
        || errno == Errno.ENOTCONN
        || errno == Errno.ECONNABORTED;
  }
}
