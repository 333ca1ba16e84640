package dev.zerowire.nativeio;

import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A small block of native memory for structures we lay out by hand (msghdr, iovec, cmsg,
 * epoll_event), seen from Java as a native-order {@link ByteBuffer} so that filling it costs
 * plain memory writes, not a JNA call per field. Freed by {@link #free()}, once.
 */
final class NativeMemory {
  final long address;
  final ByteBuffer bytes;
  private boolean freed;

  NativeMemory(int size) {
    long[] out = new long[1];
    int rc = LibC.posix_memalign(out, 64, size);
    if (rc != 0) {
      throw new OutOfMemoryError(Errors.describe("posix_memalign", rc) + " for " + size + " bytes");
    }
    address = out[0];
    bytes = new Pointer(address).getByteBuffer(0, size).order(ByteOrder.nativeOrder());
    for (int i = 0; i < size; i++) {
      bytes.put(i, (byte) 0);
    }
  }

  void checkLive() {
    if (freed) {
      throw new IllegalStateException("native memory used after free");
    }
  }

  void free() {
    if (!freed) {
      freed = true;
      LibC.free(address);
    }
  }
}
