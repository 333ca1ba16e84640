package dev.zerowire.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code java -jar target/zerowire.jar ...} with no JVM flags, as a user runs it: the manifest must
 * grant native access (JNA) and open java.lang (Pekko's virtual-thread executor), so that stderr
 * holds nothing but what no manifest can switch off: the JDK 24+ notice about sun.misc.Unsafe
 * (from Pekko; only {@code --sun-misc-unsafe-memory-access=allow} on the command line silences it).
 */
class RunnableJarIT {
  private static final Path JAR = Path.of(System.getProperty("zerowire.jar", "target/zerowire.jar"));

  record Run(int exit, String out, List<String> unexpectedErr) {}

  static Run javaJar(String... args) throws IOException, InterruptedException {
    assertTrue(Files.isRegularFile(JAR), JAR + " is built by mvn package");
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", JAR.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).start();
    p.getOutputStream().close();
    var err = p.errorReader(StandardCharsets.UTF_8);
    var outText = new java.util.concurrent.CompletableFuture<String>();
    Thread.ofVirtual().start(() -> {
      try {
        outText.complete(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        outText.completeExceptionally(e);
      }
    });
    List<String> unexpected = err.lines().filter(l -> !isUnsafeNotice(l)).toList();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "java -jar " + String.join(" ", args) + " finished");
    return new Run(p.exitValue(), outText.join(), unexpected);
  }

  /** The four lines the JDK prints once when Pekko first uses sun.misc.Unsafe (JEP 498). */
  private static boolean isUnsafeNotice(String line) {
    return line.startsWith("WARNING: ") && line.contains("sun.misc.Unsafe")
        || line.equals("WARNING: Please consider reporting this to the maintainers of class org.apache.pekko.util.Unsafe");
  }

  @Test
  void probeRunsWithoutFlagsOrWarnings() throws Exception {
    Run r = javaJar("probe", "--json");
    assertEquals(0, r.exit(), String.join("\n", r.unexpectedErr()));
    assertEquals(List.of(), r.unexpectedErr(), "no native-access warning");
    Map<String, Object> o = JsonReader.object(r.out());
    assertEquals(true, ((Map<?, ?>) o.get("so_zerocopy")).get("tcp4"));
  }

  @Test
  void demoRunsOnVirtualThreadsWithoutWarnings() throws Exception {
    Run r = javaJar("demo", "--messages", "300", "--size", "8192", "--json");
    assertEquals(0, r.exit(), String.join("\n", r.unexpectedErr()));
    assertEquals(List.of(), r.unexpectedErr(), "no add-opens warning from Pekko, no SLF4J notice");
    Map<String, Object> o = JsonReader.object(r.out());
    assertEquals(o.get("checksum"), o.get("server_checksum"));
    assertEquals(300L, o.get("released"));
  }

  @Test
  void theBenchSaysWhereItIs() throws Exception {
    Run r = javaJar("bench", "--quick");
    assertEquals(2, r.exit());
    assertEquals(1, r.unexpectedErr().size(), String.join("\n", r.unexpectedErr()));
    assertTrue(r.unexpectedErr().get(0).contains("./zerowire bench"), r.unexpectedErr().get(0));
  }
}
