package dev.zerowire.nativeio;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** The four socket kinds that take SO_ZEROCOPY, with their loopback address. */
enum Transport {
  TCP4("tcp4", Kernel.AF_INET, Kernel.SOCK_STREAM),
  TCP6("tcp6", Kernel.AF_INET6, Kernel.SOCK_STREAM),
  UDP4("udp4", Kernel.AF_INET, Kernel.SOCK_DGRAM),
  UDP6("udp6", Kernel.AF_INET6, Kernel.SOCK_DGRAM);

  private final String kind;
  final int family;
  final int type;

  Transport(String kind, int family, int type) {
    this.kind = kind;
    this.family = family;
    this.type = type;
  }

  String kind() {
    return kind;
  }

  static Transport of(String kind) {
    for (Transport t : values()) {
      if (t.kind.equals(kind)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown socket kind " + kind);
  }

  boolean isStream() {
    return type == Kernel.SOCK_STREAM;
  }

  NativeSocket open() throws IOException {
    return NativeSocket.open(family, type);
  }

  /** 127.0.0.1 or ::1. */
  InetAddress loopback() {
    try {
      return InetAddress.getByAddress(family == Kernel.AF_INET
          ? new byte[] {127, 0, 0, 1}
          : new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public String toString() {
    return kind;
  }
}
