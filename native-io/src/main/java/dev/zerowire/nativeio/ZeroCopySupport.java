package dev.zerowire.nativeio;

/**
 * The answer to {@code setsockopt(SO_ZEROCOPY, 1)}: enabled, or not supported with the errno the
 * kernel gave (AF_UNIX answers EOPNOTSUPP). "Not supported" is a value, not an exception: every
 * socket has a copy path with the same API.
 */
public record ZeroCopySupport(boolean enabled, int errno) {
  public static final ZeroCopySupport ENABLED = new ZeroCopySupport(true, 0);

  public static ZeroCopySupport unsupported(int errno) {
    return new ZeroCopySupport(false, errno);
  }

  /** "enabled", or the errno name ("EOPNOTSUPP"). */
  @Override
  public String toString() {
    return enabled ? "enabled" : Errno.name(errno);
  }
}
