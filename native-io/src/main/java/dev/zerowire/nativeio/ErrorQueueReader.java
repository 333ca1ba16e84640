package dev.zerowire.nativeio;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads a socket's error queue: {@code recvmsg(fd, MSG_ERRQUEUE | MSG_DONTWAIT)} until EAGAIN,
 * parsing each message's control data (Documentation/networking/msg_zerocopy.rst,
 * "Notification Reception" and "Notification Parsing").
 *
 * <p>What must stay true: a message is a completion only when its cmsg is IP_RECVERR at SOL_IP
 * or IPV6_RECVERR at SOL_IPV6 (an IPv6 socket may report either) AND ee_origin is
 * SO_EE_ORIGIN_ZEROCOPY AND ee_errno is 0; anything else goes to {@link
 * ErrorQueueHandler#onOtherError}. An empty queue is "nothing", not an error.
 *
 * <p>One reader per socket, one msghdr + control buffer reused across calls; confined to one
 * thread at a time (the reaper's).
 */
final class ErrorQueueReader {
  private static final int CONTROL_SIZE = 256; // one recverr cmsg + offender address fits twice over
  private static final int CMSGHDR_SIZE = 16; // size_t cmsg_len; int cmsg_level; int cmsg_type

  private final NativeMemory memory = new NativeMemory(SendVector.MSGHDR_SIZE + CONTROL_SIZE);

  /**
   * Reads up to {@code max} messages. Returns how many were read; 0 when the queue was empty.
   *
   * @throws IOException when recvmsg fails other than with EAGAIN/EINTR (e.g. EBADF)
   */
  int drain(int fd, ErrorQueueHandler handler, int max) throws IOException {
    ByteBuffer b = memory.bytes;
    long control = memory.address + SendVector.MSGHDR_SIZE;
    int read = 0;
    while (read < max) {
      memory.checkLive();
      b.putLong(0, 0).putInt(8, 0).putLong(16, 0).putLong(24, 0); // no name, no iov
      b.putLong(32, control).putLong(40, CONTROL_SIZE).putInt(48, 0);
      long rc = LibC.recvmsg(fd, memory.address, Kernel.MSG_ERRQUEUE | Kernel.MSG_DONTWAIT);
      if (rc < 0) {
        int errno = Errors.errno();
        if (errno == Errno.EINTR) {
          continue;
        }
        if (errno == Errno.EAGAIN) {
          return read;
        }
        throw Errors.exception("recvmsg(MSG_ERRQUEUE)", errno);
      }
      read++;
      parse(b, (int) b.getLong(40), b.getInt(48), handler);
    }
    return read;
  }

  /** Parses the control data of one message; {@code b} holds msghdr then control bytes. */
  static void parse(ByteBuffer b, int controlLength, int msgFlags, ErrorQueueHandler handler) {
    int base = SendVector.MSGHDR_SIZE;
    int end = base + Math.min(controlLength, CONTROL_SIZE);
    boolean reported = false;
    int at = base;
    while (at + CMSGHDR_SIZE <= end) {
      long cmsgLen = b.getLong(at);
      if (cmsgLen < CMSGHDR_SIZE || at + cmsgLen > end) {
        break; // truncated or corrupt: stop, CTRUNC is reported below
      }
      int level = b.getInt(at + 8);
      int type = b.getInt(at + 12);
      boolean recverr = (level == Kernel.SOL_IP && type == Kernel.IP_RECVERR)
          || (level == Kernel.SOL_IPV6 && type == Kernel.IPV6_RECVERR);
      if (recverr && cmsgLen >= CMSGHDR_SIZE + Kernel.SOCK_EXTENDED_ERR_SIZE) {
        int e = at + CMSGHDR_SIZE;
        int errno = b.getInt(e);
        int origin = b.get(e + 4) & 0xff;
        int eeType = b.get(e + 5) & 0xff;
        int code = b.get(e + 6) & 0xff;
        int info = b.getInt(e + 8);
        int data = b.getInt(e + 12);
        if (origin == Kernel.SO_EE_ORIGIN_ZEROCOPY && errno == 0) {
          handler.onCompletion(info, data, (code & Kernel.SO_EE_CODE_ZEROCOPY_COPIED) != 0);
        } else {
          handler.onOtherError(new ExtendedError(level, type, errno, origin, eeType, code, info, data, false));
        }
        reported = true;
      }
      at += (int) ((cmsgLen + 7) & ~7L); // CMSG_ALIGN to sizeof(size_t)
    }
    if (!reported) {
      if ((msgFlags & Kernel.MSG_CTRUNC) != 0) {
        handler.onOtherError(ExtendedError.truncatedMessage());
      } else {
        // A message without recverr data (e.g. a bare timestamp): other, never a completion.
        handler.onOtherError(new ExtendedError(-1, -1, 0, Kernel.SO_EE_ORIGIN_NONE, 0, 0, 0, 0, false));
      }
    }
  }

  void free() {
    memory.free();
  }
}
