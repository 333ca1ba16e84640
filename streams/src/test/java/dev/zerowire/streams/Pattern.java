package dev.zerowire.streams;

import java.util.zip.CRC32;
import org.apache.pekko.util.ByteString;

/** A byte pattern that does not repeat at any power of two, so a lost, doubled or moved chunk shows. */
final class Pattern {
  private Pattern() {}

  static byte at(long pos) {
    return (byte) ((pos * 131) ^ (pos >>> 9) ^ (pos >>> 17));
  }

  /** {@code n} bytes of the pattern starting at stream position {@code offset}. */
  static ByteString chunk(long offset, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = at(offset + i);
    }
    return ByteString.fromArrayUnsafe(b);
  }

  /** CRC-32 of the first {@code total} bytes of the pattern. */
  static long crc(long total) {
    CRC32 crc = new CRC32();
    byte[] b = new byte[64 << 10];
    for (long pos = 0; pos < total; pos += b.length) {
      int n = (int) Math.min(b.length, total - pos);
      for (int i = 0; i < n; i++) {
        b[i] = at(pos + i);
      }
      crc.update(b, 0, n);
    }
    return crc.getValue();
  }

  /** A running CRC-32 and byte count over a stream of ByteStrings. */
  static final class Check {
    final CRC32 crc = new CRC32();
    long bytes;

    Check add(ByteString bs) {
      crc.update(bs.asByteBuffer());
      bytes += bs.size();
      return this;
    }
  }
}
