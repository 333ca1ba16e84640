package dev.zerowire.blight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import org.junit.jupiter.api.Test;

class BlightAddressTest {

    @Test
    void parsesAndFormatsTcpV4V6AndUnix() {
        assertEquals(new InetSocketAddress("127.0.0.1", 4000), BlightAddress.parse("tcp:127.0.0.1:4000"));
        assertEquals(new InetSocketAddress("::1", 4000), BlightAddress.parse("tcp:[::1]:4000"));
        assertEquals(new InetSocketAddress("::1", 4000), BlightAddress.parse("tcp:::1:4000"));
        assertEquals(UnixDomainSocketAddress.of("/tmp/x.sock"), BlightAddress.parse("unix:/tmp/x.sock"));
        for (String s : new String[] {"tcp:127.0.0.1:4000", "tcp:[::1]:0", "tcp:[::]:1", "tcp:[2001:db8::1]:80",
                "tcp:[1:0:0:2::3]:9", "tcp:[1::2:0:0:3]:9", "tcp:[1:2:3:4:5:6:7:8]:9", "unix:/tmp/x.sock", "unix:rel/y"}) {
            SocketAddress a = BlightAddress.parse(s);
            assertEquals(s, BlightAddress.format(a));
            assertEquals(a, BlightAddress.parse(BlightAddress.format(a)));
        }
    }

    @Test
    void rejectsWhatItCannotRead() {
        for (String s : new String[] {"127.0.0.1:4000", "tcp:4000", "tcp:host:", "tcp:h:x", "tcp:h:70000", "unix:", "udp:h:1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BlightAddress.parse(s), s);
            assertTrue(e.getMessage().contains(s), e.getMessage());
        }
    }
}
