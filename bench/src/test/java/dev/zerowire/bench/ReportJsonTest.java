package dev.zerowire.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportJsonTest {
  @SuppressWarnings("unchecked")
  @Test
  void oneObjectWithResultsSkippedAndTargets() {
    Report r = new Report();
    r.add(new Row("stream-tcp", "zerowire-adaptive", "64 KiB", Units.MB_S, 2500.5, 2000, 2600, 0.25, 400.0,
        "process-minus-receiver", 3, Map.of("copied_share", 1.0)));
    r.add(Row.of("round-trip", "naive-two-writes", "unix", Units.US_P99, 31.5, 30, 40, 3));
    r.skip(new Skipped("true-zerocopy", "needs root; \"quoted\"\nand a newline"));
    r.meta("command", "./zerowire bench --quick");
    r.verdicts(Targets.evaluate(r.rows(), r.skipped(), BenchPlan.quickPlan()));

    Map<String, Object> root = (Map<String, Object>) JsonReader.parse(r.toJson());
    assertTrue(root.keySet().containsAll(List.of("results", "skipped")));
    List<Object> results = (List<Object>) root.get("results");
    assertEquals(2, results.size());

    Map<String, Object> row = (Map<String, Object>) results.get(0);
    for (String key : List.of("scenario", "impl", "param", "unit", "median", "min", "max")) {
      assertTrue(row.containsKey(key), "row has " + key);
    }
    assertEquals("stream-tcp", row.get("scenario"));
    assertEquals("zerowire-adaptive", row.get("impl"));
    assertEquals("64 KiB", row.get("param"));
    assertEquals("MB/s", row.get("unit"));
    assertEquals(2500.5, ((Number) row.get("median")).doubleValue(), 1e-9);
    assertEquals(0.25, ((Number) row.get("cpu_s_per_gib")).doubleValue(), 1e-9);
    assertEquals(400.0, ((Number) row.get("alloc_bytes_per_msg")).doubleValue(), 1e-9);
    assertEquals(1.0, ((Number) ((Map<String, Object>) row.get("extra")).get("copied_share")).doubleValue());

    Map<String, Object> bare = (Map<String, Object>) results.get(1);
    assertFalse(bare.containsKey("cpu_s_per_gib"), "unmeasured CPU is left out, not null");
    assertFalse(bare.containsKey("alloc_bytes_per_msg"));

    List<Object> skipped = (List<Object>) root.get("skipped");
    Map<String, Object> skip = (Map<String, Object>) skipped.get(0);
    assertEquals(Map.of("scenario", "true-zerocopy", "reason", "needs root; \"quoted\"\nand a newline"), skip);

    List<Object> targets = (List<Object>) root.get("targets");
    assertFalse(targets.isEmpty());
    assertTrue(((Map<String, Object>) targets.get(0)).keySet().containsAll(List.of("target", "status", "detail")));
  }

  /** A zerowire row carries its tax, its median over the floor row's at the same point; others do not. */
  @Test
  @SuppressWarnings("unchecked")
  void zerowireRowsCarryTheirTaxAgainstTheFloor() {
    Report r = new Report();
    r.add(Row.of("stream-tcp", "floor-copy", "4 KiB", Units.MB_S, 2000, 1900, 2100, 3));
    r.add(Row.of("stream-tcp", "zerowire-adaptive", "4 KiB", Units.MB_S, 1000, 900, 1100, 3));
    r.add(Row.of("stream-tcp", "zerowire-adaptive", "64 KiB", Units.MB_S, 3000, 2900, 3100, 3)); // no floor here
    r.add(Row.of("stream-tcp", "java-nio", "4 KiB", Units.MB_S, 500, 400, 600, 3));
    List<Object> results = (List<Object>) ((Map<String, Object>) JsonReader.parse(r.toJson())).get("results");
    assertEquals(0.5, ((Number) ((Map<String, Object>) results.get(1)).get("tax")).doubleValue(), 1e-9);
    assertFalse(((Map<String, Object>) results.get(2)).containsKey("tax"), "no floor row at 64 KiB");
    assertFalse(((Map<String, Object>) results.get(3)).containsKey("tax"), "only zerowire rows are taxed");
    assertFalse(((Map<String, Object>) results.get(0)).containsKey("tax"));
    assertTrue(r.table().contains("0.50x"), r.table());
  }

  /**
   * true-zerocopy: each zerowire row is taxed on CPU per GiB against the floor of its own send mode,
   * and says so; the COPIED-share row (no CPU) carries none.
   */
  @Test
  @SuppressWarnings("unchecked")
  void trueZeroCopyTaxIsCpuPerGibAgainstTheFloorOfTheSameMode() {
    String s = TrueZeroCopyScenario.NAME;
    String p = "64000 B UDP";
    Report r = new Report();
    r.add(new Row(s, "floor-copy", p, Units.MB_S, 12000, 11000, 13000, 0.080, 0.0, "process", 3, Map.of()));
    r.add(new Row(s, "floor-zerocopy", p, Units.MB_S, 15000, 14000, 16000, 0.070, 0.0, "process", 3, Map.of()));
    r.add(new Row(s, "zerowire-copy", p, Units.MB_S, 4000, 3900, 4100, 0.240, 600.0, "process", 3, Map.of()));
    r.add(new Row(s, "zerowire-zerocopy", p, Units.MB_S, 7000, 6900, 7100, 0.175, 500.0, "process", 3, Map.of()));
    r.add(Row.of(s, "zerowire-zerocopy", p, Units.COPIED_PERCENT, 0, 0, 0, 3));
    r.add(Row.of(s, "floor-zerocopy", p, Units.COPIED_PERCENT, 0, 0, 0, 3));
    List<Object> results = (List<Object>) ((Map<String, Object>) JsonReader.parse(r.toJson())).get("results");
    Map<String, Object> copy = (Map<String, Object>) results.get(2);
    Map<String, Object> zc = (Map<String, Object>) results.get(3);
    assertEquals(3.0, ((Number) copy.get("tax")).doubleValue(), 1e-9, "0.240 / floor-copy's 0.080");
    assertEquals(2.5, ((Number) zc.get("tax")).doubleValue(), 1e-9, "0.175 / floor-zerocopy's 0.070");
    assertEquals("cpu_s_per_gib", zc.get("tax_of"));
    assertFalse(((Map<String, Object>) results.get(4)).containsKey("tax"), "a COPIED share has no CPU to compare");
    assertFalse(((Map<String, Object>) results.get(0)).containsKey("tax"), "floors are not taxed");
    assertTrue(r.table().contains("2.50x cpu"), r.table());
  }

  /** echo: the zerowire row's tax is its MB/s over the floor's; many-connections: its CPU per GiB over the floor's. */
  @Test
  @SuppressWarnings("unchecked")
  void echoAndManyConnectionsRowsCarryTaxAgainstTheirFloor() {
    Report r = new Report();
    r.add(Row.of(EchoScenario.NAME, FloorEchoServer.IMPL, "4 KiB", Units.MB_S, 2000, 1900, 2100, 3));
    r.add(Row.of(EchoScenario.NAME, "zerowire", "4 KiB", Units.MB_S, 500, 400, 600, 3));
    r.add(Row.of(EchoScenario.NAME, "netty-epoll", "4 KiB", Units.MB_S, 1500, 1400, 1600, 3));
    String many = "1000 conns x 64 KiB";
    String source = "process-minus-receiver";
    r.add(new Row(ManyConnectionsScenario.NAME, FloorMany.IMPL, many, Units.MB_S, 800, 700, 900, 0.30, 10.0, source, 3,
        Map.of()));
    r.add(new Row(ManyConnectionsScenario.NAME, "zerowire-zerocopy", many, Units.MB_S, 600, 500, 700, 1.20, 3000.0,
        source, 3, Map.of()));
    r.add(new Row(ManyConnectionsScenario.NAME, "zerowire-adaptive", many, Units.MB_S, 1000, 900, 1100, 0.45, 1000.0,
        source, 3, Map.of()));
    r.add(Row.of(ManyConnectionsScenario.NAME, "zerowire-adaptive", many, Units.MIB_HEAP_PEAK, 300, 200, 400, 3));
    List<Object> results = (List<Object>) ((Map<String, Object>) JsonReader.parse(r.toJson())).get("results");
    Map<String, Object> echo = (Map<String, Object>) results.get(1);
    assertEquals(0.25, ((Number) echo.get("tax")).doubleValue(), 1e-9);
    assertEquals("median", echo.get("tax_of"));
    assertFalse(((Map<String, Object>) results.get(2)).containsKey("tax"));
    Map<String, Object> zc = (Map<String, Object>) results.get(4);
    assertEquals(4.0, ((Number) zc.get("tax")).doubleValue(), 1e-9, "1.20 / floor-copy's 0.30 CPU s/GiB");
    assertEquals("cpu_s_per_gib", zc.get("tax_of"));
    assertEquals(1.5, ((Number) ((Map<String, Object>) results.get(5)).get("tax")).doubleValue(), 1e-9,
        "faster than the floor in MB/s, still 1.5x its CPU per byte");
    assertFalse(((Map<String, Object>) results.get(6)).containsKey("tax"), "a heap row has no CPU to compare");
  }

  @Test
  void numbersKeepSixDigitsAndNonFiniteBecomesNull() {
    assertEquals("2500.5\n", Report.pretty(Report.jsonSafe(2500.5)));
    assertEquals("0.333333\n", Report.pretty(Report.jsonSafe(1.0 / 3)));
    assertEquals("123457000\n", Report.pretty(Report.jsonSafe(123456789.0)));
    assertEquals("12\n", Report.pretty(Report.jsonSafe(12L)));
    assertEquals("0\n", Report.pretty(Report.jsonSafe(0.0)));
    assertEquals("null\n", Report.pretty(Report.jsonSafe(Double.NaN)));
    assertEquals("null\n", Report.pretty(Report.jsonSafe(Double.POSITIVE_INFINITY)));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("x", Double.NaN);
    m.put("tiny", 1.5e-9);
    @SuppressWarnings("unchecked")
    Map<String, Object> back = (Map<String, Object>) JsonReader.parse(Report.pretty(Report.jsonSafe(m)));
    assertNull(back.get("x"));
    assertEquals(1.5e-9, ((Number) back.get("tiny")).doubleValue(), 1e-15);
  }

  @Test
  void prettyIsOneMemberOrElementALine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("b", 1);
    m.put("a", List.of("x", 2.5, Map.of()));
    m.put("e", List.of());
    assertEquals("{\n  \"b\": 1,\n  \"a\": [\n    \"x\",\n    2.5,\n    {}\n  ],\n  \"e\": []\n}\n", Report.pretty(m));
  }

  @Test
  void controlCharactersAreEscaped() {
    String json = Report.pretty(Map.of("k", "a\u0001b\tc\\d"));
    assertEquals(Map.of("k", "a\u0001b\tc\\d"), JsonReader.parse(json));
    assertFalse(json.contains("\u0001"));
  }

  @Test
  void tableListsRowsSkipsAndTargets() {
    Report r = new Report();
    r.add(Row.of("small-messages", "naive-two-writes", "unix", Units.MSG_S, 300000, 290000, 310000, 3));
    r.skip(new Skipped("small-messages", "blight client not integrated"));
    String t = r.table();
    assertTrue(t.contains("naive-two-writes"));
    assertTrue(t.contains("300,000"));
    assertTrue(t.contains("skipped:"));
    assertTrue(t.contains("blight client not integrated"));
  }
}
