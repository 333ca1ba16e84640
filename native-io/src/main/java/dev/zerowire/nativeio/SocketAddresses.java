package dev.zerowire.nativeio;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * {@code struct sockaddr_in}, {@code sockaddr_in6} and {@code sockaddr_un} to and from the JDK's
 * {@link InetSocketAddress} and {@link UnixDomainSocketAddress}. See ip(7), ipv6(7), unix(7):
 * the family is in host order, port and address in network order.
 */
final class SocketAddresses {
  private SocketAddresses() {}

  /** sizeof(struct sockaddr_storage): big enough for any address the kernel returns. */
  static final int STORAGE_SIZE = 128;
  /** sizeof(sun_path). */
  static final int UNIX_PATH_MAX = 108;

  static int family(SocketAddress address) {
    if (address instanceof UnixDomainSocketAddress) {
      return Kernel.AF_UNIX;
    }
    InetSocketAddress inet = inet(address);
    return inet.getAddress() instanceof Inet6Address ? Kernel.AF_INET6 : Kernel.AF_INET;
  }

  /** Encodes {@code address} for a socket of {@code family}; v4 goes v4-mapped into AF_INET6. */
  static byte[] encode(SocketAddress address, int family) {
    if (address instanceof UnixDomainSocketAddress unix) {
      byte[] path = unix.getPath().toString().getBytes(StandardCharsets.UTF_8);
      if (path.length >= UNIX_PATH_MAX) {
        throw new IllegalArgumentException(
            "unix socket path is " + path.length + " bytes, the limit is " + (UNIX_PATH_MAX - 1) + ": " + unix);
      }
      ByteBuffer b = ByteBuffer.allocate(2 + path.length + 1).order(ByteOrder.nativeOrder());
      b.putShort((short) Kernel.AF_UNIX).put(path).put((byte) 0);
      return b.array();
    }
    InetSocketAddress inet = inet(address);
    InetAddress ip = inet.getAddress();
    if (family == Kernel.AF_INET6) {
      byte[] raw = ip.getAddress();
      if (raw.length == 4) { // ::ffff:a.b.c.d
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(raw, 0, mapped, 12, 4);
        raw = mapped;
      }
      int scope = ip instanceof Inet6Address v6 ? v6.getScopeId() : 0;
      ByteBuffer b = ByteBuffer.allocate(28).order(ByteOrder.nativeOrder());
      b.putShort((short) Kernel.AF_INET6);
      b.order(ByteOrder.BIG_ENDIAN).putShort((short) inet.getPort()).putInt(0).put(raw);
      b.order(ByteOrder.nativeOrder()).putInt(scope);
      return b.array();
    }
    if (!(ip instanceof Inet4Address)) {
      throw new IllegalArgumentException("IPv6 address " + ip + " on an AF_INET socket");
    }
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
    b.putShort((short) Kernel.AF_INET);
    b.order(ByteOrder.BIG_ENDIAN).putShort((short) inet.getPort()).put(ip.getAddress());
    return b.array();
  }

  /** Decodes the first {@code length} bytes of a sockaddr the kernel filled in. */
  static SocketAddress decode(byte[] raw, int length) {
    ByteBuffer b = ByteBuffer.wrap(raw, 0, length).order(ByteOrder.nativeOrder());
    int family = length >= 2 ? b.getShort() & 0xffff : 0;
    try {
      switch (family) {
        case Kernel.AF_INET -> {
          int port = Short.toUnsignedInt(b.order(ByteOrder.BIG_ENDIAN).getShort());
          return new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(raw, 4, 8)), port);
        }
        case Kernel.AF_INET6 -> {
          int port = Short.toUnsignedInt(b.order(ByteOrder.BIG_ENDIAN).getShort());
          byte[] ip = Arrays.copyOfRange(raw, 8, 24);
          int scope = ByteBuffer.wrap(raw, 24, 4).order(ByteOrder.nativeOrder()).getInt();
          InetAddress addr = scope != 0 ? Inet6Address.getByAddress(null, ip, scope) : InetAddress.getByAddress(ip);
          return new InetSocketAddress(addr, port);
        }
        case Kernel.AF_UNIX -> {
          int end = 2;
          while (end < length && raw[end] != 0) {
            end++;
          }
          return UnixDomainSocketAddress.of(new String(raw, 2, end - 2, StandardCharsets.UTF_8));
        }
        default -> throw new IllegalArgumentException("unknown address family " + family);
      }
    } catch (UnknownHostException e) { // only for a wrong-length address, which cannot happen here
      throw new IllegalArgumentException(e);
    }
  }

  private static InetSocketAddress inet(SocketAddress address) {
    if (!(address instanceof InetSocketAddress inet)) {
      throw new IllegalArgumentException("unsupported address type " + address.getClass().getName());
    }
    if (inet.isUnresolved()) {
      throw new IllegalArgumentException("unresolved address " + inet + ": resolve it first");
    }
    return inet;
  }
}
