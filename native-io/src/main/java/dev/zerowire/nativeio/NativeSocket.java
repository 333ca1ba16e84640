package dev.zerowire.nativeio;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;

/**
 * A non-blocking Linux socket that owns its file descriptor: TCP and UDP over IPv4/IPv6, and
 * AF_UNIX stream and seqpacket. Layer three of the native stack (Netty's {@code LinuxSocket}):
 * typed options, gathering {@link #send}, {@link #recv}, and the zero-copy {@link
 * #drainErrorQueue error queue}.
 *
 * <p>Results, not exceptions, for what a non-blocking caller must handle: "would block" is
 * {@link #WOULD_BLOCK}, ENOBUFS on a zero-copy send is {@link #NO_BUFFERS}, and "SO_ZEROCOPY not
 * supported" is a {@link ZeroCopySupport} value. Everything else is an {@link IOException} from
 * {@link Errors}. Use after {@link #close()} throws {@link SocketClosedException}.
 *
 * <p>Not thread-safe, with one exception: the error queue may be drained by one thread (the
 * reaper) while the owner sends on another; the kernel serialises the two.
 */
public final class NativeSocket implements AutoCloseable {
  /** A non-blocking call found nothing to do (EAGAIN). */
  public static final long WOULD_BLOCK = -1;
  /** A MSG_ZEROCOPY send hit optmem_max or RLIMIT_MEMLOCK (ENOBUFS): send the same bytes copied. */
  public static final long NO_BUFFERS = -2;

  private volatile int fd;
  private final int family;
  private final int type;
  private volatile boolean zeroCopyEnabled;
  private final Object errorQueueLock = new Object(); // guards only errorQueue's lazy creation/free
  private ErrorQueueReader errorQueue;

  private NativeSocket(int fd, int family, int type) {
    this.fd = fd;
    this.family = family;
    this.type = type;
  }

  // ---------------------------------------------------------------------------------- creation

  /** socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0). */
  public static NativeSocket open(int family, int type) throws IOException {
    int fd = Errors.check("socket", LibC.socket(family, type | Kernel.SOCK_NONBLOCK | Kernel.SOCK_CLOEXEC, 0));
    return new NativeSocket(fd, family, type);
  }

  public static NativeSocket tcp4() throws IOException {
    return open(Kernel.AF_INET, Kernel.SOCK_STREAM);
  }

  public static NativeSocket tcp6() throws IOException {
    return open(Kernel.AF_INET6, Kernel.SOCK_STREAM);
  }

  public static NativeSocket udp4() throws IOException {
    return open(Kernel.AF_INET, Kernel.SOCK_DGRAM);
  }

  public static NativeSocket udp6() throws IOException {
    return open(Kernel.AF_INET6, Kernel.SOCK_DGRAM);
  }

  public static NativeSocket unixStream() throws IOException {
    return open(Kernel.AF_UNIX, Kernel.SOCK_STREAM);
  }

  public static NativeSocket unixSeqpacket() throws IOException {
    return open(Kernel.AF_UNIX, Kernel.SOCK_SEQPACKET);
  }

  /** A socket of {@code type} in the family of {@code address} (v4, v6 or unix). */
  public static NativeSocket forAddress(SocketAddress address, int type) throws IOException {
    return open(SocketAddresses.family(address), type);
  }

  /** A connected AF_UNIX pair, both non-blocking: blight's own transport. */
  public static NativeSocket[] socketpair(int type) throws IOException {
    int[] sv = new int[2];
    Errors.check("socketpair",
        LibC.socketpair(Kernel.AF_UNIX, type | Kernel.SOCK_NONBLOCK | Kernel.SOCK_CLOEXEC, 0, sv));
    return new NativeSocket[] {new NativeSocket(sv[0], Kernel.AF_UNIX, type), new NativeSocket(sv[1], Kernel.AF_UNIX, type)};
  }

  /**
   * Takes ownership of an existing socket fd (e.g. one end of a socketpair made elsewhere): reads
   * its family and type from the kernel and makes it non-blocking.
   */
  public static NativeSocket adopt(int fd) throws IOException {
    int family = getInt(fd, Kernel.SOL_SOCKET, Kernel.SO_DOMAIN, "SO_DOMAIN");
    int type = getInt(fd, Kernel.SOL_SOCKET, Kernel.SO_TYPE, "SO_TYPE");
    int flags = Errors.check("fcntl(F_GETFL)", LibC.fcntl(fd, Kernel.F_GETFL, 0));
    Errors.check("fcntl(F_SETFL)", LibC.fcntl(fd, Kernel.F_SETFL, flags | Kernel.O_NONBLOCK));
    return new NativeSocket(fd, family, type);
  }

  // -------------------------------------------------------------------------------- identity

  /** The fd, or -1 after close. Never close it behind this object's back. */
  public int fd() {
    return fd;
  }

  public int family() {
    return family;
  }

  public int type() {
    return type;
  }

  public boolean isOpen() {
    return fd >= 0;
  }

  public boolean isUnix() {
    return family == Kernel.AF_UNIX;
  }

  public boolean isStream() {
    return type == Kernel.SOCK_STREAM;
  }

  /** "tcp4", "udp6", "unix-stream", "unix-seqpacket", ... */
  public String kind() {
    String t = switch (type) {
      case Kernel.SOCK_STREAM -> "stream";
      case Kernel.SOCK_DGRAM -> "dgram";
      case Kernel.SOCK_SEQPACKET -> "seqpacket";
      default -> "type" + type;
    };
    return switch (family) {
      case Kernel.AF_INET -> type == Kernel.SOCK_STREAM ? "tcp4" : type == Kernel.SOCK_DGRAM ? "udp4" : "inet-" + t;
      case Kernel.AF_INET6 -> type == Kernel.SOCK_STREAM ? "tcp6" : type == Kernel.SOCK_DGRAM ? "udp6" : "inet6-" + t;
      case Kernel.AF_UNIX -> "unix-" + t;
      default -> "family" + family + "-" + t;
    };
  }

  // --------------------------------------------------------------------------- connection setup

  public void bind(SocketAddress address) throws IOException {
    byte[] raw = SocketAddresses.encode(address, family);
    Errors.check("bind", LibC.bind(live("bind"), raw, raw.length));
  }

  public void listen(int backlog) throws IOException {
    Errors.check("listen", LibC.listen(live("listen"), backlog));
  }

  /**
   * Accepts one pending connection (non-blocking, close-on-exec), or null when none waits.
   * EINTR, ECONNABORTED and the network errors that accept(2) says Linux passes up from the new
   * connection ("should be treated like EAGAIN by retrying") are retried here. Resource errors
   * (EMFILE, ENFILE, ENOBUFS, ENOMEM) throw, and leave the connection in the backlog.
   */
  public NativeSocket accept() throws IOException {
    int me = live("accept4");
    while (true) {
      int rc = LibC.accept4(me, null, null, Kernel.SOCK_NONBLOCK | Kernel.SOCK_CLOEXEC);
      if (rc >= 0) {
        return new NativeSocket(rc, family, type);
      }
      int errno = Errors.errno();
      switch (errno) {
        case Errno.EAGAIN:
          return null;
        case Errno.EINTR, Errno.ECONNABORTED, Errno.ENETDOWN, Errno.EPROTO, Errno.ENOPROTOOPT, Errno.EHOSTDOWN,
            Errno.EHOSTUNREACH, Errno.EOPNOTSUPP, Errno.ENETUNREACH:
          continue;
        default:
          throw Errors.exception("accept4", errno);
      }
    }
  }

  /** What a non-blocking {@link #startConnect} did. */
  public enum ConnectStatus {
    /** Connected already (AF_UNIX, often). */
    CONNECTED,
    /** EINPROGRESS: wait for writability (or an error), then {@link #finishConnect()}. */
    IN_PROGRESS,
    /**
     * AF_UNIX only: EAGAIN, the listener's backlog is full (unix(7)). The socket is still
     * unconnected; a blocking connect would wait, so call {@link #startConnect} again later.
     */
    BACKLOG_FULL
  }

  /** Starts a non-blocking connect; see {@link ConnectStatus}. Other failures throw. */
  public ConnectStatus startConnect(SocketAddress address) throws IOException {
    byte[] raw = SocketAddresses.encode(address, family);
    int rc = LibC.connect(live("connect"), raw, raw.length);
    if (rc == 0) {
      return ConnectStatus.CONNECTED;
    }
    int errno = Errors.errno();
    if (errno == Errno.EINPROGRESS || errno == Errno.EINTR) { // connect(2): EINTR continues async
      return ConnectStatus.IN_PROGRESS;
    }
    if (errno == Errno.EAGAIN && family == Kernel.AF_UNIX) {
      return ConnectStatus.BACKLOG_FULL;
    }
    throw Errors.exception("connect", errno);
  }

  /**
   * Starts connecting. Returns true when connected already (AF_UNIX, often), false when in
   * progress (EINPROGRESS): wait for writability, then call {@link #finishConnect()}. A full
   * AF_UNIX backlog throws here; {@link #startConnect} reports it as a value instead.
   */
  public boolean connect(SocketAddress address) throws IOException {
    ConnectStatus s = startConnect(address);
    if (s == ConnectStatus.BACKLOG_FULL) {
      throw Errors.exception("connect (listen backlog full)", Errno.EAGAIN);
    }
    return s == ConnectStatus.CONNECTED;
  }

  /**
   * After a readiness event on a connecting socket: throws the connect's error (SO_ERROR, which
   * reading it clears: socket(7)), returns true when the socket is connected, false when the
   * connect is still in progress (a wake-up that was not its end). "Connected" is checked with
   * getpeername, never assumed from a zero SO_ERROR: an error that something else consumed first
   * must not read as success.
   */
  public boolean finishConnect() throws IOException {
    int me = live("getsockopt");
    int err = getInt(me, Kernel.SOL_SOCKET, Kernel.SO_ERROR, "SO_ERROR");
    if (err != 0) {
      throw Errors.exception("connect", err);
    }
    byte[] raw = new byte[SocketAddresses.STORAGE_SIZE];
    int[] len = {raw.length};
    if (LibC.getpeername(me, raw, len) == 0) {
      return true;
    }
    int errno = Errors.errno();
    if (errno == Errno.ENOTCONN) {
      return false;
    }
    throw Errors.exception("getpeername", errno);
  }

  /**
   * Dissolves a TCP connection while keeping the fd: connect(AF_UNSPEC) runs tcp_disconnect,
   * which sends RST and purges the write and retransmit queues (connect(2), tcp(7)). Unlike
   * close, the error queue stays readable, so the completions of purged zero-copy sends still
   * arrive and their buffers can be given back safely.
   */
  public void disconnect() throws IOException {
    byte[] unspec = new byte[16]; // sa_family = AF_UNSPEC (0)
    int rc = LibC.connect(live("connect(AF_UNSPEC)"), unspec, unspec.length);
    if (rc < 0) {
      int errno = Errors.errno();
      if (errno != Errno.EINTR) {
        throw Errors.exception("connect(AF_UNSPEC)", errno);
      }
    }
  }

  public SocketAddress localAddress() throws IOException {
    byte[] raw = new byte[SocketAddresses.STORAGE_SIZE];
    int[] len = {raw.length};
    Errors.check("getsockname", LibC.getsockname(live("getsockname"), raw, len));
    return SocketAddresses.decode(raw, len[0]);
  }

  public SocketAddress remoteAddress() throws IOException {
    byte[] raw = new byte[SocketAddresses.STORAGE_SIZE];
    int[] len = {raw.length};
    Errors.check("getpeername", LibC.getpeername(live("getpeername"), raw, len));
    return SocketAddresses.decode(raw, len[0]);
  }

  /**
   * Bytes the kernel holds for this socket, unread (SIOCINQ: tcp(7), unix(7)). On a stream
   * socket, what a reader still gets before end of stream or an error.
   */
  public int readableBytes() throws IOException {
    return ioctlInt(Kernel.SIOCINQ, "ioctl(SIOCINQ)");
  }

  /**
   * Bytes written but not yet taken by the peer (SIOCOUTQ): on TCP, unsent or unacknowledged;
   * on AF_UNIX stream, not yet read by the peer (tcp(7), unix(7)).
   */
  public int unsentBytes() throws IOException {
    return ioctlInt(Kernel.SIOCOUTQ, "ioctl(SIOCOUTQ)");
  }

  private int ioctlInt(long request, String what) throws IOException {
    int[] v = new int[1];
    Errors.check(what, LibC.ioctl(live(what), request, v));
    return v[0];
  }

  /**
   * fchmod(2) on the socket itself. On Linux an AF_UNIX socket bound after this gets these
   * permission bits (less the umask) on its path, atomically at bind: unix_bind_bsd() creates the
   * node with {@code SOCK_INODE(sock)->i_mode & ~current_umask()} (net/unix/af_unix.c).
   */
  public void setPermissions(int mode) throws IOException {
    Errors.check("fchmod", LibC.fchmod(live("fchmod"), mode));
  }

  // ----------------------------------------------------------------------------------- options

  /**
   * setsockopt(SO_ZEROCOPY, on). Unsupported (AF_UNIX: EOPNOTSUPP; older kernels: ENOPROTOOPT)
   * comes back as a value; other errors throw.
   */
  public ZeroCopySupport setZeroCopy(boolean on) throws IOException {
    int rc = LibC.setsockopt(live("setsockopt"), Kernel.SOL_SOCKET, Kernel.SO_ZEROCOPY, new int[] {on ? 1 : 0}, 4);
    if (rc < 0) {
      int errno = Errors.errno();
      if (errno == Errno.EOPNOTSUPP || errno == Errno.ENOPROTOOPT || errno == Errno.EINVAL) {
        zeroCopyEnabled = false;
        return ZeroCopySupport.unsupported(errno);
      }
      throw Errors.exception("setsockopt(SO_ZEROCOPY)", errno);
    }
    zeroCopyEnabled = on;
    return ZeroCopySupport.ENABLED;
  }

  /** Reads SO_ZEROCOPY back from the kernel. */
  public boolean zeroCopy() throws IOException {
    if (isUnix()) {
      return false; // getsockopt(SO_ZEROCOPY) on AF_UNIX reports the flag it refused to set
    }
    return getInt(live("getsockopt"), Kernel.SOL_SOCKET, Kernel.SO_ZEROCOPY, "SO_ZEROCOPY") != 0;
  }

  /** Whether this object enabled SO_ZEROCOPY (no syscall). */
  public boolean isZeroCopyEnabled() {
    return zeroCopyEnabled;
  }

  /** SO_SNDBUF as requested; the kernel doubles it (socket(7)) and {@link #sendBufferSize} reports that. */
  public void setSendBufferSize(int bytes) throws IOException {
    setInt(Kernel.SOL_SOCKET, Kernel.SO_SNDBUF, bytes, "SO_SNDBUF");
  }

  public int sendBufferSize() throws IOException {
    return getInt(live("getsockopt"), Kernel.SOL_SOCKET, Kernel.SO_SNDBUF, "SO_SNDBUF");
  }

  public void setReceiveBufferSize(int bytes) throws IOException {
    setInt(Kernel.SOL_SOCKET, Kernel.SO_RCVBUF, bytes, "SO_RCVBUF");
  }

  public int receiveBufferSize() throws IOException {
    return getInt(live("getsockopt"), Kernel.SOL_SOCKET, Kernel.SO_RCVBUF, "SO_RCVBUF");
  }

  public void setTcpNoDelay(boolean on) throws IOException {
    setInt(Kernel.IPPROTO_TCP, Kernel.TCP_NODELAY, on ? 1 : 0, "TCP_NODELAY");
  }

  public boolean tcpNoDelay() throws IOException {
    return getInt(live("getsockopt"), Kernel.IPPROTO_TCP, Kernel.TCP_NODELAY, "TCP_NODELAY") != 0;
  }

  public void setReuseAddress(boolean on) throws IOException {
    setInt(Kernel.SOL_SOCKET, Kernel.SO_REUSEADDR, on ? 1 : 0, "SO_REUSEADDR");
  }

  /** SO_LINGER: {@code seconds < 0} turns it off; 0 makes close send RST (socket(7)). */
  public void setLinger(int seconds) throws IOException {
    int[] linger = {seconds >= 0 ? 1 : 0, Math.max(0, seconds)};
    Errors.check("setsockopt(SO_LINGER)",
        LibC.setsockopt(live("setsockopt"), Kernel.SOL_SOCKET, Kernel.SO_LINGER, linger, 8));
  }

  /** SO_LINGER seconds, or -1 when off. */
  public int linger() throws IOException {
    int[] linger = new int[2];
    int[] len = {8};
    Errors.check("getsockopt(SO_LINGER)",
        LibC.getsockopt(live("getsockopt"), Kernel.SOL_SOCKET, Kernel.SO_LINGER, linger, len));
    return linger[0] != 0 ? linger[1] : -1;
  }

  // --------------------------------------------------------------------------------- data path

  /**
   * One {@code sendmsg(MSG_DONTWAIT | MSG_NOSIGNAL [| MSG_ZEROCOPY])} of the whole vector.
   *
   * <p>Returns bytes written (possibly fewer than {@link SendVector#totalBytes()}: a partial
   * write), {@link #WOULD_BLOCK}, or {@link #NO_BUFFERS} for ENOBUFS on a zero-copy send. A call
   * that writes bytes with MSG_ZEROCOPY on an SO_ZEROCOPY socket takes exactly one send id; a
   * call that fails or would block takes none.
   *
   * @throws IOException EPIPE/ECONNRESET (peer gone), EMSGSIZE, ... from {@link Errors}
   */
  public long send(SendVector vector, boolean zeroCopy) throws IOException {
    int flags = Kernel.MSG_DONTWAIT | Kernel.MSG_NOSIGNAL | (zeroCopy ? Kernel.MSG_ZEROCOPY : 0);
    int me = live("sendmsg");
    long msghdr = vector.prepare();
    while (true) {
      long rc = LibC.sendmsg(me, msghdr, flags);
      if (rc >= 0) {
        return rc;
      }
      int errno = Errors.errno();
      switch (errno) {
        case Errno.EINTR:
          continue;
        case Errno.EAGAIN:
          return WOULD_BLOCK;
        case Errno.ENOBUFS:
          if (zeroCopy) {
            return NO_BUFFERS;
          }
          throw Errors.exception("sendmsg", errno);
        default:
          throw Errors.exception("sendmsg", errno);
      }
    }
  }

  /**
   * recv into {@code [address, address+length)}: bytes read, 0 at end of stream (stream sockets),
   * or {@link #WOULD_BLOCK}.
   */
  public long recv(long address, int length) throws IOException {
    int me = live("recv");
    while (true) {
      long rc = LibC.recv(me, address, length, Kernel.MSG_DONTWAIT);
      if (rc >= 0) {
        return rc;
      }
      int errno = Errors.errno();
      if (errno == Errno.EAGAIN) {
        return WOULD_BLOCK;
      }
      if (errno != Errno.EINTR) {
        throw Errors.exception("recv", errno);
      }
    }
  }

  /** recv into {@code buffer[offset, offset+length)}; see {@link #recv(long, int)}. */
  public long recv(NativeBuffer buffer, int offset, int length) throws IOException {
    java.util.Objects.checkFromIndexSize(offset, length, buffer.length());
    return recv(buffer.address() + offset, length);
  }

  /**
   * Reads up to {@code max} messages from the error queue: zero-copy completions and other
   * errors, to {@code handler}. Returns how many were read (0: the queue was empty).
   *
   * @throws UnsupportedOperationException on AF_UNIX, whose MSG_ERRQUEUE reads return ordinary
   *     application data, not errors: reading there would steal the peer's bytes
   */
  public int drainErrorQueue(ErrorQueueHandler handler, int max) throws IOException {
    if (isUnix()) {
      throw new UnsupportedOperationException(
          "an AF_UNIX socket has no error queue: MSG_ERRQUEUE there would read application data");
    }
    synchronized (errorQueueLock) {
      int me = live("recvmsg(MSG_ERRQUEUE)");
      if (errorQueue == null) {
        errorQueue = new ErrorQueueReader();
      }
      return errorQueue.drain(me, handler, max);
    }
  }

  // ------------------------------------------------------------------------------------- close

  public void shutdownOutput() throws IOException {
    shutdown(Kernel.SHUT_WR, "shutdown(SHUT_WR)");
  }

  public void shutdownInput() throws IOException {
    shutdown(Kernel.SHUT_RD, "shutdown(SHUT_RD)");
  }

  private void shutdown(int how, String what) throws IOException {
    int rc = LibC.shutdown(live(what), how);
    if (rc < 0) {
      int errno = Errors.errno();
      if (errno != Errno.ENOTCONN) { // already gone: shutdown has nothing left to do
        throw Errors.exception(what, errno);
      }
    }
  }

  /**
   * Closes the fd. Idempotent. Zero-copy buffers still in flight at close never get a completion
   * (their notifications are dropped with the socket), so callers that own such buffers drain
   * or {@link #disconnect()} first.
   */
  @Override
  public void close() {
    int old;
    synchronized (errorQueueLock) { // never free the reader while a drain runs
      old = fd;
      fd = -1;
      if (errorQueue != null) {
        errorQueue.free();
        errorQueue = null;
      }
    }
    if (old >= 0) {
      LibC.close(old); // close(2): never retry, the fd is gone even on EINTR
    }
  }

  @Override
  public String toString() {
    return "NativeSocket[" + kind() + " fd=" + fd + "]";
  }

  // ----------------------------------------------------------------------------------- helpers

  private int live(String op) throws SocketClosedException {
    int f = fd;
    if (f < 0) {
      throw new SocketClosedException(op + " on a closed socket");
    }
    return f;
  }

  private void setInt(int level, int name, int value, String what) throws IOException {
    Errors.check("setsockopt(" + what + ")", LibC.setsockopt(live("setsockopt"), level, name, new int[] {value}, 4));
  }

  private static int getInt(int fd, int level, int name, String what) throws IOException {
    int[] value = new int[1];
    int[] len = {4};
    Errors.check("getsockopt(" + what + ")", LibC.getsockopt(fd, level, name, value, len));
    return value[0];
  }

  /** A unix address for {@code path}. */
  public static SocketAddress unixAddress(String path) {
    return UnixDomainSocketAddress.of(path);
  }
}
