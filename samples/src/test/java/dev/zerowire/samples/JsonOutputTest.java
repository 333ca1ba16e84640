package dev.zerowire.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonOutputTest {
  @Test
  void oneLineInInsertionOrderWithEscapes() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("z", "a\"b\n\u0001");
    m.put("a", List.of(1, 2.5, true));
    m.put("n", null);
    String line = JsonOutput.line(m);
    assertEquals("{\"z\":\"a\\\"b\\n\\u0001\",\"a\":[1,2.5,true],\"n\":null}", line);
    Map<String, Object> back = new LinkedHashMap<>(m);
    back.put("a", List.of(1L, 2.5, true));
    assertEquals(back, JsonReader.parse(line));
  }

  @Test
  void nonFiniteNumbersAreRefusedNotWrittenAsWords() {
    for (double d : new double[] {Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThrows(IllegalArgumentException.class, () -> JsonOutput.line(Map.of("x", List.of(d))), "" + d);
    }
  }

  @Test
  void theTestsReaderIsStrict() {
    assertThrows(IllegalArgumentException.class, () -> JsonReader.parse("{\"a\":1,\"a\":2}"));
    assertThrows(IllegalArgumentException.class, () -> JsonReader.parse("{\"a\":1} {}"));
    assertThrows(IllegalArgumentException.class, () -> JsonReader.parse("\"raw\ncontrol\""));
    assertEquals(Map.of("a", 1L, "b", 2.5), JsonReader.parse("{\"a\":1,\"b\":2.5}"));
  }
}
