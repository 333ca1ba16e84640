package dev.zerowire.samples.stream;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The bytes of a test stream: byte {@code p} is {@code TABLE[p mod PERIOD]}, a pseudo-random
 * sequence with a prime period, so a buffer reused too early, shifted or duplicated shows up as a
 * mismatch (unless shifted by a multiple of 65,521 bytes). Fill and check run at memcpy and
 * {@link Arrays#mismatch} speed, so a multi-GB/s stream is not limited by its own test pattern.
 */
public final class StreamPattern {
  private StreamPattern() {}

  static final int PERIOD = 65_521; // the largest prime below 2^16
  private static final int CHUNK = 65_536;
  private static final byte[] TABLE = new byte[PERIOD + CHUNK];

  static {
    for (int i = 0; i < TABLE.length; i++) {
      long p = i % PERIOD;
      TABLE[i] = (byte) ((p * 0x9E3779B1L) >>> 27);
    }
  }

  /** Byte {@code p} of the stream. */
  public static byte at(long p) {
    return TABLE[(int) (p % PERIOD)];
  }

  /** Writes stream bytes {@code [offset, offset+len)} to {@code b[0, len)}. */
  public static void fill(ByteBuffer b, long offset, int len) {
    int pos = 0;
    while (pos < len) {
      int from = (int) ((offset + pos) % PERIOD);
      int n = Math.min(len - pos, CHUNK);
      b.put(pos, TABLE, from, n);
      pos += n;
    }
  }

  /** How many of {@code data[0, len)} differ from stream bytes {@code [offset, offset+len)}. */
  public static long countMismatches(byte[] data, int len, long offset) {
    long bad = 0;
    int pos = 0;
    while (pos < len) {
      int from = (int) ((offset + pos) % PERIOD);
      int n = Math.min(len - pos, CHUNK);
      if (Arrays.mismatch(data, pos, pos + n, TABLE, from, from + n) >= 0) {
        for (int i = 0; i < n; i++) {
          if (data[pos + i] != TABLE[from + i]) {
            bad++;
          }
        }
      }
      pos += n;
    }
    return bad;
  }
}
