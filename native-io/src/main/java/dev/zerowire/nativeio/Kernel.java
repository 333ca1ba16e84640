package dev.zerowire.nativeio;

/**
 * Linux kernel constants, each with the header that defines it (uapi unless noted; values are the
 * same on x86-64 and aarch64). One place, so a value is never written twice; {@code
 * KernelConstantsTest} round-trips the ones that can be read back from the running kernel.
 */
public final class Kernel {
  private Kernel() {}

  // include/linux/socket.h
  public static final int AF_UNIX = 1;
  public static final int AF_INET = 2;
  public static final int AF_INET6 = 10;

  // include/linux/net.h (enum sock_type), include/linux/net.h SOCK_NONBLOCK/SOCK_CLOEXEC
  public static final int SOCK_STREAM = 1;
  public static final int SOCK_DGRAM = 2;
  public static final int SOCK_SEQPACKET = 5;
  public static final int SOCK_NONBLOCK = 0x800; // == O_NONBLOCK
  public static final int SOCK_CLOEXEC = 0x80000; // == O_CLOEXEC

  // include/uapi/linux/in.h
  public static final int IPPROTO_IP = 0;
  public static final int IPPROTO_TCP = 6;
  public static final int IPPROTO_UDP = 17;
  public static final int IPPROTO_IPV6 = 41;

  // include/uapi/asm-generic/socket.h
  public static final int SOL_SOCKET = 1;
  public static final int SO_REUSEADDR = 2;
  public static final int SO_TYPE = 3;
  public static final int SO_ERROR = 4;
  public static final int SO_SNDBUF = 7;
  public static final int SO_RCVBUF = 8;
  public static final int SO_LINGER = 13;
  public static final int SO_DOMAIN = 39;
  /** Opt in to MSG_ZEROCOPY; without it the send flag is silently ignored. */
  public static final int SO_ZEROCOPY = 60;

  // include/uapi/linux/tcp.h
  public static final int TCP_NODELAY = 1;

  // include/linux/socket.h (SOL_IP is 0, SOL_IPV6 41)
  public static final int SOL_IP = 0;
  public static final int SOL_IPV6 = 41;
  // include/uapi/linux/in.h, include/uapi/linux/in6.h
  public static final int IP_RECVERR = 11;
  public static final int IPV6_V6ONLY = 26;
  public static final int IPV6_RECVERR = 25;

  // include/linux/socket.h: MSG_* flags
  public static final int MSG_CTRUNC = 0x8;
  public static final int MSG_TRUNC = 0x20;
  public static final int MSG_DONTWAIT = 0x40;
  public static final int MSG_ERRQUEUE = 0x2000;
  public static final int MSG_NOSIGNAL = 0x4000;
  public static final int MSG_ZEROCOPY = 0x4000000;

  // include/uapi/linux/errqueue.h: struct sock_extended_err
  public static final int SO_EE_ORIGIN_NONE = 0;
  public static final int SO_EE_ORIGIN_LOCAL = 1;
  public static final int SO_EE_ORIGIN_ICMP = 2;
  public static final int SO_EE_ORIGIN_ICMP6 = 3;
  /** Also SO_EE_ORIGIN_TIMESTAMPING. */
  public static final int SO_EE_ORIGIN_TXSTATUS = 4;
  public static final int SO_EE_ORIGIN_ZEROCOPY = 5;
  public static final int SO_EE_ORIGIN_TXTIME = 6;
  /** ee_code bit: the kernel fell back to copying (loopback, or a device without SG/csum). */
  public static final int SO_EE_CODE_ZEROCOPY_COPIED = 1;
  /** sizeof(struct sock_extended_err). */
  public static final int SOCK_EXTENDED_ERR_SIZE = 16;

  // include/uapi/linux/eventpoll.h
  public static final int EPOLL_CLOEXEC = 0x80000;
  public static final int EPOLL_CTL_ADD = 1;
  public static final int EPOLL_CTL_DEL = 2;
  public static final int EPOLL_CTL_MOD = 3;
  public static final int EPOLLIN = 0x001;
  public static final int EPOLLOUT = 0x004;
  /** Always reported; a non-empty error queue raises it (net/core/sock.c sock_poll). */
  public static final int EPOLLERR = 0x008;
  public static final int EPOLLHUP = 0x010;
  public static final int EPOLLRDHUP = 0x2000;
  public static final int EPOLLET = 1 << 31;
  /** After one event the registration reports nothing until EPOLL_CTL_MOD re-arms it (epoll_ctl(2)). */
  public static final int EPOLLONESHOT = 1 << 30;

  // include/uapi/linux/eventfd.h
  public static final int EFD_NONBLOCK = 0x800;
  public static final int EFD_CLOEXEC = 0x80000;

  // include/uapi/linux/sched.h
  public static final int CLONE_NEWNET = 0x40000000;

  // include/uapi/asm-generic/fcntl.h
  public static final int O_RDONLY = 0;
  public static final int O_CLOEXEC = 0x80000;
  public static final int F_GETFL = 3;
  public static final int F_SETFL = 4;
  public static final int O_NONBLOCK = 0x800;

  // include/uapi/asm-generic/ioctls.h and linux/sockios.h: SIOCINQ = FIONREAD, SIOCOUTQ = TIOCOUTQ
  public static final long SIOCINQ = 0x541B;
  public static final long SIOCOUTQ = 0x5411;

  // include/linux/net.h: enum sock_shutdown_cmd
  public static final int SHUT_RD = 0;
  public static final int SHUT_WR = 1;
  public static final int SHUT_RDWR = 2;

  // include/uapi/asm-generic/resource.h
  public static final int RLIMIT_MEMLOCK = 8;
  /** RLIM_INFINITY as the kernel stores it (unsigned long ~0). */
  public static final long RLIM_INFINITY = -1L;

  // unistd.h (glibc): sysconf name
  public static final int SC_PAGESIZE = 30;

  // include/uapi/linux/capability.h
  public static final int CAP_IPC_LOCK = 14;

  /** The largest iovec array one sendmsg takes (include/uapi/linux/uio.h UIO_MAXIOV). */
  public static final int UIO_MAXIOV = 1024;
}
