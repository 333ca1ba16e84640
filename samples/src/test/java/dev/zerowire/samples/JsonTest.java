package dev.zerowire.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void escapesWhatJsonRequires() {
    assertEquals("\"plain\"", Json.quote("plain"));
    assertEquals("\"a\\\"b\"", Json.quote("a\"b"));
    assertEquals("\"back\\\\slash\"", Json.quote("back\\slash"));
    assertEquals("\"\\n\\r\\t\\b\\f\"", Json.quote("\n\r\t\b\f"));
    assertEquals("\"\\u0000\\u0001\\u001f\"", Json.quote("\u0000\u0001\u001f"));
    assertEquals("\"\\u007f\"", Json.quote("\u007f"));
    assertEquals("\" \"", Json.quote(" "), "0x20 is not a control");
    assertEquals("\"/\"", Json.quote("/"), "a slash may stay as it is");
    assertEquals("null", Json.quote(null));
  }

  @Test
  void unicodeStaysUnlessItWouldBreakSomething() {
    assertEquals("\"grüße €\"", Json.quote("grüße €"));
    assertEquals("\"\uD83D\uDE00\"", Json.quote("\uD83D\uDE00"), "a surrogate pair is one code point, kept");
    assertEquals("\"\\u2028\\u2029\"", Json.quote("\u2028\u2029"), "line separators break JavaScript");
    assertEquals("\"\\ud83d!\"", Json.quote("\uD83D!"), "an unpaired high surrogate is escaped");
    assertEquals("\"\\ude00\"", Json.quote("\uDE00"), "an unpaired low surrogate is escaped");
  }

  @Test
  void everyCharRoundTripsThroughAStrictParser() {
    StringBuilder all = new StringBuilder();
    for (char c = 0; c < 0x3000; c++) {
      all.append(c);
    }
    all.append("\uD83D\uDE00\uFFFF");
    String quoted = Json.quote(all.toString());
    assertEquals(all.toString(), JsonParser.parse(quoted));
    String key = "k\"\\\n\u0001";
    String text = Json.object().put(key, all.toString()).toString();
    assertEquals(Map.of(key, all.toString()), JsonParser.parse(text));
  }

  @Test
  void buildsNestedObjectsAndArraysInOrder() {
    String text = Json.object()
        .put("s", "x")
        .put("i", 42)
        .put("neg", -9_007_199_254_740_993L)
        .put("d", 2.5)
        .put("whole", 3.0)
        .put("t", true)
        .put("f", false)
        .putNull("n")
        .put("o", Json.object().put("a", 1).put("b", Json.object()))
        .put("arr", Json.array().add(1).add("two").add(Json.array()).add(Json.object().put("k", false)))
        .putValue("map", new LinkedHashMap<>(Map.of("m", 1)))
        .putValue("list", List.of("x", 2L))
        .toString();
    assertEquals("{\"s\":\"x\",\"i\":42,\"neg\":-9007199254740993,\"d\":2.5,\"whole\":3,\"t\":true,\"f\":false,"
        + "\"n\":null,\"o\":{\"a\":1,\"b\":{}},\"arr\":[1,\"two\",[],{\"k\":false}],\"map\":{\"m\":1},"
        + "\"list\":[\"x\",2]}", text);
    @SuppressWarnings("unchecked")
    Map<String, Object> parsed = (Map<String, Object>) JsonParser.parse(text);
    assertEquals(List.of("s", "i", "neg", "d", "whole", "t", "f", "n", "o", "arr", "map", "list"),
        List.copyOf(parsed.keySet()));
    assertEquals(-9_007_199_254_740_993L, parsed.get("neg"), "a long keeps every digit");
    assertEquals(2.5, parsed.get("d"));
  }

  @Test
  void emptyContainers() {
    assertEquals("{}", Json.object().toString());
    assertEquals("[]", Json.array().toString());
    assertEquals("[null]", Json.array().addValue(null).toString());
  }

  @Test
  void numbersJsonCannotHoldAreRejected() {
    for (double d : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
      assertThrows(IllegalArgumentException.class, () -> Json.object().put("x", d), "" + d);
    }
    assertEquals("[1.0E-5,1.0E20]", Json.array().add(1e-5).add(1e20).toString());
    assertEquals(Arrays.asList(1.0E-5, 1.0E20), JsonParser.parse("[1.0E-5,1.0E20]"));
  }

  @Test
  void nullKeysAndUnknownTypesAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> Json.object().put(null, 1));
    assertThrows(IllegalArgumentException.class, () -> Json.object().putValue("x", new Object()));
  }

  @Test
  void theTestParserIsStrict() {
    assertThrows(IllegalArgumentException.class, () -> JsonParser.parse("{\"a\":1} {}"));
    assertThrows(IllegalArgumentException.class, () -> JsonParser.parse("\"raw\ncontrol\""));
    assertThrows(IllegalArgumentException.class, () -> JsonParser.parse("{\"a\":1,\"a\":2}"));
    assertThrows(IllegalArgumentException.class, () -> JsonParser.parse("{\"a\":1,}"));
  }

  @Test
  void prettyIndentsAndKeepsOrder() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("b", 1);
    m.put("a", List.of("x", 2.5, Map.of()));
    m.put("e", List.of());
    assertEquals("{\n  \"b\": 1,\n  \"a\": [\n    \"x\",\n    2.5,\n    {}\n  ],\n  \"e\": []\n}\n", Json.pretty(m));
    assertEquals("null\n", Json.pretty(null));
    assertThrows(IllegalArgumentException.class, () -> Json.pretty(List.of(Double.NaN)));
  }
}
