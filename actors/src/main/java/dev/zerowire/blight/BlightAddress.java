package dev.zerowire.blight;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;

/**
 * The address notation of the blight tools: {@code tcp:HOST:PORT} (HOST a name, an IPv4 address,
 * or an IPv6 address, bracketed or not: the port follows the last colon) and {@code unix:PATH}.
 *
 * <p>What must stay true: {@link #parse(String)} of {@link #format(SocketAddress)} gives an equal
 * address for every IP and path address.
 */
public final class BlightAddress {
  private BlightAddress() {
  }

  /**
   * Parses {@code tcp:HOST:PORT} or {@code unix:PATH}.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static SocketAddress parse(String spec) {
    if (spec == null) {
      throw new IllegalArgumentException("no address given: use tcp:HOST:PORT or unix:PATH");
    }
    if (spec.startsWith("unix:")) {
      String path = spec.substring(5);
      if (path.isEmpty()) {
        throw new IllegalArgumentException("'" + spec + "': the unix path is empty");
      }
      return UnixDomainSocketAddress.of(path);
    }
    if (spec.startsWith("tcp:")) {
      String rest = spec.substring(4);
      int colon = rest.lastIndexOf(':');
      if (colon <= 0 || colon == rest.length() - 1) {
        throw new IllegalArgumentException("'" + spec + "': expected tcp:HOST:PORT");
      }
      String host = rest.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      int port;
      try {
        port = Integer.parseInt(rest.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + spec + "': the port is not a number", e);
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("'" + spec + "': port " + port + " is not 0..65535");
      }
      InetSocketAddress a = new InetSocketAddress(host, port);
      if (a.isUnresolved()) {
        throw new IllegalArgumentException("'" + spec + "': cannot resolve host " + host);
      }
      return a;
    }
    throw new IllegalArgumentException("'" + spec + "': expected tcp:HOST:PORT or unix:PATH");
  }

  /** RFC 5952 text of an IPv6 address: lowercase, the longest run of two or more zero groups as "::". */
  private static String compact(Inet6Address a) {
    byte[] b = a.getAddress();
    int[] g = new int[8];
    for (int k = 0; k < 8; k++) {
      g[k] = ((b[2 * k] & 0xff) << 8) | (b[2 * k + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLen = 1;
    for (int k = 0; k < 8; ) {
      int e = k;
      while (e < 8 && g[e] == 0) {
        e++;
      }
      if (e - k > bestLen) {
        bestStart = k;
        bestLen = e - k;
      }
      k = e == k ? k + 1 : e;
    }
    StringBuilder sb = new StringBuilder();
    for (int k = 0; k < 8; k++) {
      if (k == bestStart) {
        sb.append("::");
        k += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(g[k]));
    }
    if (a.getScopeId() != 0) {
      sb.append('%').append(a.getScopeId());
    }
    return sb.toString();
  }

  /** {@code tcp:127.0.0.1:4000}, {@code tcp:[::1]:4000}, {@code unix:/run/x.sock}, or {@code toString()}. */
  public static String format(SocketAddress a) {
    if (a instanceof InetSocketAddress i) {
      String host = i.getAddress() instanceof Inet6Address v6 ? "[" + compact(v6) + "]"
          : i.getAddress() != null ? i.getAddress().getHostAddress() : i.getHostString();
      return "tcp:" + host + ":" + i.getPort();
    }
    if (a instanceof UnixDomainSocketAddress u) {
      String p = u.getPath().toString();
      return p.isEmpty() ? "unix:(unnamed)" : "unix:" + p;
    }
    return String.valueOf(a);
  }
}
