package dev.zerowire.bench;

import dev.zerowire.nativeio.NativeSocket;
import dev.zerowire.nativeio.NetworkNamespace;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The true-zerocopy scenario's network: a private {@link NetworkNamespace} with an {@code ifb}
 * device, the one place on a machine without a real NIC where MSG_ZEROCOPY sends complete without
 * a copy (ifb drops what it is sent; this kernel has no {@code dummy} driver). Nothing sent there
 * leaves it; {@link #close()} deletes it whatever happened.
 */
final class NetNs implements AutoCloseable {
  static final String DEVICE = "ifb0";
  static final String LOCAL = "10.99.0.1";
  static final String REMOTE = "10.99.0.2";

  private final NetworkNamespace ns;

  private NetNs(NetworkNamespace ns) {
    this.ns = ns;
  }

  /** Null when this process can make network namespaces, else why not. */
  static String unavailable() {
    return NetworkNamespace.unavailableReason();
  }

  /** Makes namespace {@code name} with lo up and ifb0 (MTU 65535, 10.99.0.1/24, up). */
  static NetNs create(String name) throws IOException {
    NetworkNamespace ns = NetworkNamespace.create(name);
    try {
      try {
        ns.ip("link", "add", DEVICE, "type", "ifb");
      } catch (IOException first) {
        try {
          NetworkNamespace.run(List.of("modprobe", "ifb")); // the module may just not be loaded yet
        } catch (IOException e) {
          throw first;
        }
        ns.ip("link", "add", DEVICE, "type", "ifb");
      }
      ns.ip("link", "set", DEVICE, "mtu", "65535", "up");
      ns.ip("addr", "add", LOCAL + "/24", "dev", DEVICE);
      return new NetNs(ns);
    } catch (IOException | RuntimeException e) {
      ns.close();
      throw e;
    }
  }

  String name() {
    return ns.name();
  }

  /** A UDP socket created inside the namespace, bound to {@code local} and connected to {@code remote}. */
  NativeSocket udpSocket(InetSocketAddress local, InetSocketAddress remote) throws Exception {
    return ns.inside(() -> {
      NativeSocket s = NativeSocket.udp4();
      try {
        s.bind(local);
        s.connect(remote);
        return s;
      } catch (IOException | RuntimeException e) {
        s.close();
        throw e;
      }
    });
  }

  /** Packets that reached ifb0 (and were dropped there), from the device's counters. */
  long devicePackets() throws IOException {
    String out = ns.ip("-s", "link", "show", "dev", DEVICE);
    // "RX:  bytes packets errors dropped ..." then the numbers on the next line
    Matcher m = Pattern.compile("RX:[^\\n]*\\n\\s*(\\d+)\\s+(\\d+)").matcher(out);
    if (!m.find()) {
      throw new IOException("no RX counters in: " + out);
    }
    return Long.parseLong(m.group(2));
  }

  /** Deletes the namespace (and with it ifb0). Idempotent. */
  @Override
  public void close() {
    ns.close();
  }
}
