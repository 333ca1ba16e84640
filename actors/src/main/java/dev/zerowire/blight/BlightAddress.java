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

    /** {@code tcp:127.0.0.1:4000}, {@code tcp:[::1]:4000}, {@code unix:/run/x.sock}, or {@code toString()}. */
    public static String format(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            String host = i.getAddress() != null ? i.getAddress().getHostAddress() : i.getHostString();
            if (i.getAddress() instanceof Inet6Address) {
                int pct = host.indexOf('%');
                host = "[" + (pct >= 0 && host.substring(pct).matches("%0?") ? host.substring(0, pct) : host) + "]";
            }
            return "tcp:" + host + ":" + i.getPort();
        }
        if (a instanceof UnixDomainSocketAddress u) {
            String p = u.getPath().toString();
            return p.isEmpty() ? "unix:(unnamed)" : "unix:" + p;
        }
        return String.valueOf(a);
    }
}
