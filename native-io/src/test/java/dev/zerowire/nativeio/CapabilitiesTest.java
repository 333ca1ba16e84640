package dev.zerowire.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Capabilities#probe()} against what /proc says about this process and kernel. */
class CapabilitiesTest {

  @Test
  void probeAgreesWithProc() throws Exception {
    Capabilities c = Capabilities.probe();
    System.out.println(c);
    assertEquals(Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim(), c.kernel());
    // Not Files.readString: it returns "1" for an integer sysctl (see Capabilities.readOptmemMax).
    try (FileInputStream in = new FileInputStream("/proc/sys/net/core/optmem_max")) {
      String optmem = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
      assertTrue(optmem.length() > 1, "optmem_max read as '" + optmem + "'");
      assertEquals(Long.parseLong(optmem), c.optmemMax());
    }
    String limits = Files.readAllLines(Path.of("/proc/self/limits")).stream()
        .filter(l -> l.startsWith("Max locked memory")).findFirst().orElseThrow();
    String[] f = limits.substring("Max locked memory".length()).trim().split("\\s+");
    assertEquals(f[0].equals("unlimited") ? -1 : Long.parseLong(f[0]), c.memlockSoft(), limits);
    assertEquals(f[1].equals("unlimited") ? -1 : Long.parseLong(f[1]), c.memlockHard(), limits);
  }

  @Test
  void everyKindIsProbedInOrderAndUnixSaysWhyNot() throws Exception {
    Capabilities c = Capabilities.probe();
    assertEquals(List.of("tcp4", "tcp6", "udp4", "udp6", "unix-stream", "unix-seqpacket"),
        List.copyOf(c.soZeroCopy().keySet()));
    assertTrue(c.zeroCopy("tcp4"), "TCP over IPv4 takes SO_ZEROCOPY on every kernel since 4.14: " + c);
    assertFalse(c.zeroCopy("unix-stream"));
    assertEquals(Errno.EOPNOTSUPP, c.soZeroCopy().get("unix-stream").errno());
    assertEquals(Errno.EOPNOTSUPP, c.soZeroCopy().get("unix-seqpacket").errno());
    assertFalse(c.zeroCopy("sctp4"), "an unknown kind is not supported");
  }

  @Test
  void capIpcLockMatchesCapEff() throws Exception {
    String capEff = Files.readAllLines(Path.of("/proc/self/status")).stream()
        .filter(l -> l.startsWith("CapEff:")).findFirst().orElseThrow().substring(7).trim();
    boolean expected = (Long.parseUnsignedLong(capEff, 16) & (1L << 14)) != 0;
    assertEquals(expected, Capabilities.probe().capIpcLock(), "CapEff " + capEff);
  }
}
