package dev.zerowire.actors;

/**
 * Counters of one socket (from {@code GetStats}, and in {@code Closed}), or summed over all
 * sockets of a system ({@link ZeroWire#totals()}).
 *
 * @param sends Send messages accepted
 * @param bytes bytes written to the kernel
 * @param sendCalls sendmsg calls that wrote bytes
 * @param zeroCopySends sendmsg calls made with MSG_ZEROCOPY that wrote bytes (send ids taken)
 * @param completions completion notifications read from the error queue
 * @param copiedCompletions ids whose completion said COPIED (the kernel copied after all)
 * @param enobufsFallbacks zero-copy sends refused with ENOBUFS and sent again copied
 * @param modeSwitches adaptive switches between zero copy and copy, both ways
 * @param inflightBuffers sends whose buffers the kernel may still read now (zero-copy ids pending)
 * @param inflightBytes bytes of those sends
 * @param peakInflightBytes the most bytes ever pinned at once
 * @param released sends whose outcome was Released
 * @param failed sends whose outcome was Failed
 * @param refused sends whose outcome was Refused
 * @param withheld failed sends whose buffers zerowire kept because the kernel never confirmed
 * @param unknownIds completion ids that named no send in flight
 */
public record SocketStats(
    long sends,
    long bytes,
    long sendCalls,
    long zeroCopySends,
    long completions,
    long copiedCompletions,
    long enobufsFallbacks,
    long modeSwitches,
    long inflightBuffers,
    long inflightBytes,
    long peakInflightBytes,
    long released,
    long failed,
    long refused,
    long withheld,
    long unknownIds) {

  public static final SocketStats ZERO = new SocketStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  /** Element-wise sum (peaks: the larger). */
  public SocketStats plus(SocketStats o) {
    return new SocketStats(sends + o.sends, bytes + o.bytes, sendCalls + o.sendCalls,
        zeroCopySends + o.zeroCopySends, completions + o.completions,
        copiedCompletions + o.copiedCompletions, enobufsFallbacks + o.enobufsFallbacks,
        modeSwitches + o.modeSwitches, inflightBuffers + o.inflightBuffers,
        inflightBytes + o.inflightBytes, Math.max(peakInflightBytes, o.peakInflightBytes),
        released + o.released, failed + o.failed, refused + o.refused, withheld + o.withheld,
        unknownIds + o.unknownIds);
  }
}
