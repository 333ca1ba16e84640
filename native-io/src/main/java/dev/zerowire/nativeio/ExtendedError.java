package dev.zerowire.nativeio;

/**
 * A {@code struct sock_extended_err} (include/uapi/linux/errqueue.h) that is not a zero-copy
 * completion, with the cmsg level/type it came in.
 *
 * @param level cmsg_level (SOL_IP, SOL_IPV6, or another)
 * @param type cmsg_type (IP_RECVERR, IPV6_RECVERR, or another)
 * @param errno ee_errno
 * @param origin ee_origin (SO_EE_ORIGIN_*)
 * @param eeType ee_type
 * @param code ee_code
 * @param info ee_info
 * @param data ee_data
 * @param truncated MSG_CTRUNC was set and no complete extended error could be read
 */
public record ExtendedError(
    int level, int type, int errno, int origin, int eeType, int code, int info, int data, boolean truncated) {

  static ExtendedError truncatedMessage() {
    return new ExtendedError(-1, -1, 0, Kernel.SO_EE_ORIGIN_NONE, 0, 0, 0, 0, true);
  }

  @Override
  public String toString() {
    if (truncated) {
      return "error-queue message with truncated control data (MSG_CTRUNC)";
    }
    return "extended error origin=" + origin + " errno=" + errno + " (" + Errno.name(errno) + ") type="
        + eeType + " code=" + code + " info=" + Integer.toUnsignedString(info) + " data="
        + Integer.toUnsignedString(data) + " [cmsg " + level + "/" + type + "]";
  }
}
