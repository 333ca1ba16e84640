package dev.zerowire.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NativeBufferTest {

  @Test
  void pageSizeIsTheSystemsAndAPowerOfTwo() {
    long page = NativeBuffer.pageSize();
    assertEquals(Math.max(4096, LibC.sysconf(Kernel.SC_PAGESIZE)), page);
    assertEquals(1, Long.bitCount(page), "page size " + page);
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {0, 1, 100, 4095, 4096, 4097, 65_537, 1 << 20})
  void allocationsArePageAligned(int length) {
    List<NativeBuffer> live = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) { // several, so one lucky alignment does not pass the test
        NativeBuffer b = NativeBuffer.allocate(length);
        live.add(b);
        assertEquals(0, b.address() % NativeBuffer.pageSize(), b + " is not page aligned");
        assertEquals(length, b.length());
        assertFalse(b.isSlice());
      }
    } finally {
      live.forEach(NativeBuffer::release);
    }
  }

  @Test
  void slicesShareMemory() {
    NativeBuffer b = NativeBuffer.allocate(8192);
    try {
      NativeBuffer s = b.slice(4096, 100);
      assertTrue(s.isSlice());
      assertEquals(b.address() + 4096, s.address());
      assertEquals(100, s.length());
      s.put(0, new byte[] {1, 2, 3}, 0, 3);
      byte[] got = new byte[3];
      b.get(4096, got, 0, 3);
      assertEquals("[1, 2, 3]", java.util.Arrays.toString(got), "a write through the slice shows in the buffer");
      b.byteBuffer().put(4096 + 99, (byte) 42);
      assertEquals(42, s.byteBuffer().get(99), "a write to the buffer shows in the slice");
      b.byteBuffer().put(4096 + 9, (byte) 0).put(4096 + 15, (byte) 0);
      NativeBuffer ss = s.slice(10, 5);
      ss.fill((byte) 7);
      assertEquals(7, b.byteBuffer().get(4096 + 10));
      assertEquals(7, b.byteBuffer().get(4096 + 14));
      assertEquals(0, b.byteBuffer().get(4096 + 9), "fill stays inside the slice");
      assertEquals(0, b.byteBuffer().get(4096 + 15), "fill stays inside the slice");
      ss.put(4, new byte[] {9}, 0, 1); // a slice of a slice writes at its offset in the root
      assertEquals(9, b.byteBuffer().get(4096 + 14));
      byte[] five = new byte[5];
      ss.get(0, five, 0, 5);
      assertEquals("[7, 7, 7, 7, 9]", java.util.Arrays.toString(five), "and reads from there");
      assertThrows(IndexOutOfBoundsException.class, () -> s.slice(50, 51));
      assertThrows(IndexOutOfBoundsException.class, () -> s.put(99, new byte[2], 0, 2));
      assertThrows(IndexOutOfBoundsException.class, () -> b.slice(-1, 1));
    } finally {
      b.release();
    }
  }

  @Test
  void releaseTwiceOrASliceIsIllegalState() {
    NativeBuffer b = NativeBuffer.allocate(64);
    NativeBuffer s = b.slice(0, 8);
    IllegalStateException slice = assertThrows(IllegalStateException.class, s::release);
    assertTrue(slice.getMessage().contains("slice"), slice.getMessage());
    assertFalse(b.isReleased(), "a refused slice release leaves the buffer alive");
    b.release();
    assertTrue(b.isReleased());
    assertTrue(s.isReleased(), "a slice is released with its buffer");
    IllegalStateException twice = assertThrows(IllegalStateException.class, b::release);
    assertTrue(twice.getMessage().contains("already released"), twice.getMessage());
  }

  @Test
  void useAfterReleaseIsIllegalStateForTheBufferAndItsSlices() {
    NativeBuffer b = NativeBuffer.allocate(64);
    NativeBuffer s = b.slice(8, 8);
    b.release();
    Map<String, Executable> uses = new LinkedHashMap<>();
    uses.put("address", b::address);
    uses.put("byteBuffer", b::byteBuffer);
    uses.put("put", () -> b.put(0, new byte[1], 0, 1));
    uses.put("get", () -> b.get(0, new byte[1], 0, 1));
    uses.put("fill", () -> b.fill((byte) 1));
    uses.put("slice", () -> b.slice(0, 1));
    uses.put("slice.address", s::address);
    uses.put("slice.byteBuffer", s::byteBuffer);
    uses.put("slice.put", () -> s.put(0, new byte[1], 0, 1));
    for (Map.Entry<String, Executable> use : uses.entrySet()) {
      IllegalStateException e = assertThrows(IllegalStateException.class, use.getValue(), use.getKey());
      assertTrue(e.getMessage().contains("after release"), use.getKey() + ": " + e.getMessage());
    }
    assertEquals(64, b.length(), "length is plain data, still readable");
    assertTrue(b.toString().contains("released"), b.toString());
  }

  @Test
  void negativeLengthIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> NativeBuffer.allocate(-1));
  }

  @Test
  void byteBufferIsAFreshFullView() {
    NativeBuffer b = NativeBuffer.allocate(32);
    try {
      java.nio.ByteBuffer one = b.byteBuffer();
      one.position(10).limit(20);
      java.nio.ByteBuffer two = b.byteBuffer();
      assertEquals(0, two.position());
      assertEquals(32, two.limit());
      assertTrue(two.isDirect());
    } finally {
      b.release();
    }
  }
}
