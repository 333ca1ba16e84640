package dev.zerowire.nativeio;

import java.nio.channels.ClosedChannelException;

/**
 * Use of a socket after {@link NativeSocket#close()}, or EBADF from the kernel. A {@link
 * ClosedChannelException}, as the JDK's own channels throw, with a message saying which call.
 */
public final class SocketClosedException extends ClosedChannelException {
  private static final long serialVersionUID = 1L;

  private final String message;

  public SocketClosedException(String message) {
    this.message = message;
  }

  @Override
  public String getMessage() {
    return message;
  }
}
