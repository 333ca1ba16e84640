package dev.zerowire.nativeio;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * Raw libc bindings, JNA direct-mapped: one static native method per system call, nothing else.
 *
 * <p>Layer one of three (Netty's {@code unix/Socket} / {@code epoll/Native} split): these methods
 * return exactly what libc returns ({@code -1} on failure) and never throw; the caller reads
 * {@code errno} with {@link Native#getLastError()} straight after the call, in {@link Errors}.
 * Direct mapping costs about 70 ns a call here against about 200 ns through an interface proxy.
 *
 * <p>Pointers are passed as {@code long} native addresses (or {@code byte[]}/{@code int[]} that JNA
 * copies in and out), so no call allocates a {@code Pointer}. Structures are laid out by hand in
 * the classes that use them, for LP64 Linux (x86-64 and aarch64).
 *
 * <p>Nothing here may block when called from an actor: sockets are non-blocking and sends use
 * {@code MSG_DONTWAIT}. The one blocking call, {@link #epoll_wait}, runs on the poller's own
 * platform thread.
 */
final class LibC {
  static {
    if (!Platform.isLinux() || !Platform.is64Bit()) {
      throw new UnsupportedOperationException(
          "zerowire native-io needs 64-bit Linux; this is " + System.getProperty("os.name") + " "
              + System.getProperty("os.arch"));
    }
    Native.register(LibC.class, Platform.C_LIBRARY_NAME);
  }

  private LibC() {}

  /** @see <a href="https://man7.org/linux/man-pages/man2/socket.2.html">socket(2)</a> */
  static native int socket(int domain, int type, int protocol);

  /** @see <a href="https://man7.org/linux/man-pages/man2/socketpair.2.html">socketpair(2)</a> */
  static native int socketpair(int domain, int type, int protocol, int[] sv);

  /** @see <a href="https://man7.org/linux/man-pages/man2/bind.2.html">bind(2)</a> */
  static native int bind(int fd, byte[] addr, int addrlen);

  /** @see <a href="https://man7.org/linux/man-pages/man2/listen.2.html">listen(2)</a> */
  static native int listen(int fd, int backlog);

  /** @see <a href="https://man7.org/linux/man-pages/man2/accept.2.html">accept4(2)</a> */
  static native int accept4(int fd, byte[] addr, int[] addrlen, int flags);

  /** @see <a href="https://man7.org/linux/man-pages/man2/connect.2.html">connect(2)</a> */
  static native int connect(int fd, byte[] addr, int addrlen);

  /** @see <a href="https://man7.org/linux/man-pages/man2/getsockname.2.html">getsockname(2)</a> */
  static native int getsockname(int fd, byte[] addr, int[] addrlen);

  /** @see <a href="https://man7.org/linux/man-pages/man2/getpeername.2.html">getpeername(2)</a> */
  static native int getpeername(int fd, byte[] addr, int[] addrlen);

  /** @see <a href="https://man7.org/linux/man-pages/man2/setsockopt.2.html">setsockopt(2)</a> */
  static native int setsockopt(int fd, int level, int name, int[] value, int len);

  /** @see <a href="https://man7.org/linux/man-pages/man2/getsockopt.2.html">getsockopt(2)</a> */
  static native int getsockopt(int fd, int level, int name, int[] value, int[] len);

  /**
   * @param msghdr native address of a {@code struct msghdr}
   * @see <a href="https://man7.org/linux/man-pages/man2/sendmsg.2.html">sendmsg(2)</a>
   */
  static native long sendmsg(int fd, long msghdr, int flags);

  /**
   * @param msghdr native address of a {@code struct msghdr}
   * @see <a href="https://man7.org/linux/man-pages/man2/recvmsg.2.html">recvmsg(2)</a>
   */
  static native long recvmsg(int fd, long msghdr, int flags);

  /** @see <a href="https://man7.org/linux/man-pages/man2/recv.2.html">recv(2)</a> */
  static native long recv(int fd, long buf, long len, int flags);

  /** @see <a href="https://man7.org/linux/man-pages/man2/shutdown.2.html">shutdown(2)</a> */
  static native int shutdown(int fd, int how);

  /** @see <a href="https://man7.org/linux/man-pages/man2/close.2.html">close(2)</a> */
  static native int close(int fd);

  /**
   * {@code ioctl(fd, request, int *)}: SIOCINQ / SIOCOUTQ (tcp(7), unix(7)).
   *
   * @see <a href="https://man7.org/linux/man-pages/man2/ioctl.2.html">ioctl(2)</a>
   */
  static native int ioctl(int fd, long request, int[] value);

  /** @see <a href="https://man7.org/linux/man-pages/man2/fchmod.2.html">fchmod(2)</a> */
  static native int fchmod(int fd, int mode);

  /** @see <a href="https://man7.org/linux/man-pages/man2/fcntl.2.html">fcntl(2)</a> */
  static native int fcntl(int fd, int cmd, int arg);

  /** @see <a href="https://man7.org/linux/man-pages/man2/epoll_create1.2.html">epoll_create1(2)</a> */
  static native int epoll_create1(int flags);

  /**
   * @param event a {@code struct epoll_event} (packed on x86-64), copied in; null for DEL
   * @see <a href="https://man7.org/linux/man-pages/man2/epoll_ctl.2.html">epoll_ctl(2)</a>
   */
  static native int epoll_ctl(int epfd, int op, int fd, byte[] event);

  /**
   * Blocks up to {@code timeout} ms: only ever called on the poller's platform thread.
   *
   * @see <a href="https://man7.org/linux/man-pages/man2/epoll_wait.2.html">epoll_wait(2)</a>
   */
  static native int epoll_wait(int epfd, long events, int maxevents, int timeout);

  /** @see <a href="https://man7.org/linux/man-pages/man2/eventfd.2.html">eventfd(2)</a> */
  static native int eventfd(int initval, int flags);

  /** @see <a href="https://man7.org/linux/man-pages/man2/read.2.html">read(2)</a> */
  static native long read(int fd, long buf, long count);

  /** @see <a href="https://man7.org/linux/man-pages/man2/write.2.html">write(2)</a> */
  static native long write(int fd, long buf, long count);

  /** @see <a href="https://man7.org/linux/man-pages/man3/posix_memalign.3.html">posix_memalign(3)</a> */
  static native int posix_memalign(long[] memptr, long alignment, long size);

  /** @see <a href="https://man7.org/linux/man-pages/man3/free.3.html">free(3)</a> */
  static native void free(long ptr);

  /** @see <a href="https://man7.org/linux/man-pages/man3/strerror.3.html">strerror(3)</a> */
  static native String strerror(int errnum);

  /** @see <a href="https://man7.org/linux/man-pages/man2/getrlimit.2.html">getrlimit(2)</a> */
  static native int getrlimit(int resource, long[] rlim);

  /** @see <a href="https://man7.org/linux/man-pages/man3/sysconf.3.html">sysconf(3)</a> */
  static native long sysconf(int name);

  /** @see <a href="https://man7.org/linux/man-pages/man2/open.2.html">open(2)</a> */
  static native int open(String path, int flags);

  /** @see <a href="https://man7.org/linux/man-pages/man2/setns.2.html">setns(2)</a> */
  static native int setns(int fd, int nstype);

  /**
   * @param buf a {@code struct utsname}: six 65-byte fields, release is the third
   * @see <a href="https://man7.org/linux/man-pages/man2/uname.2.html">uname(2)</a>
   */
  static native int uname(byte[] buf);
}
