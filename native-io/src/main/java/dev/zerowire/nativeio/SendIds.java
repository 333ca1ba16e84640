package dev.zerowire.nativeio;

/**
 * Arithmetic on MSG_ZEROCOPY send ids.
 *
 * <p>Each successful {@code sendmsg(MSG_ZEROCOPY)} on a socket takes the next 32-bit id of that
 * socket, starting at 0 and wrapping at 2^32 (kernel {@code net/core/skbuff.c},
 * {@code msg_zerocopy_realloc}: {@code sk->sk_zckey}). A completion names the inclusive range
 * {@code [lo, hi]} in {@code ee_info..ee_data} (Documentation/networking/msg_zerocopy.rst,
 * "Notification Parsing"). Ids are held in a Java {@code int} and compared in serial-number
 * arithmetic (RFC 1982): every comparison is valid while the ids compared are less than 2^31
 * apart, which holds because a socket never has that many sends in flight.
 */
public final class SendIds {
  private SendIds() {}

  /** The id after {@code id}, wrapping from 2^32-1 to 0. */
  public static int next(int id) {
    return id + 1;
  }

  /** Whether {@code a} comes strictly before {@code b}, modulo 2^32. */
  public static boolean isBefore(int a, int b) {
    return a - b < 0;
  }

  /** Steps from {@code from} forward to {@code to}, in [0, 2^32). */
  public static long distance(int from, int to) {
    return Integer.toUnsignedLong(to - from);
  }

  /** How many ids the inclusive range {@code [lo, hi]} names, in [1, 2^32]. */
  public static long rangeLength(int lo, int hi) {
    return Integer.toUnsignedLong(hi - lo) + 1;
  }

  /** Whether {@code id} lies in the inclusive range {@code [lo, hi]}, which may wrap. */
  public static boolean contains(int lo, int hi, int id) {
    return Integer.compareUnsigned(id - lo, hi - lo) <= 0;
  }

  /** The id as the kernel prints it: unsigned decimal. */
  public static String toString(int id) {
    return Integer.toUnsignedString(id);
  }
}
