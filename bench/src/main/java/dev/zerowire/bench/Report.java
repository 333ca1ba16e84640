package dev.zerowire.bench;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything one run produced: result rows, skips, the verdict on each target, and how the run
 * was made. Renders as the terminal table and as the {@code --json} object.
 *
 * <p>JSON shape (one object): {@code results} (rows with {@code scenario, impl, param, unit,
 * median, min, max, reps} and, where measured, {@code cpu_s_per_gib}, {@code
 * alloc_bytes_per_msg}, {@code cpu_source}, on zerowire rows with a floor {@code tax} and {@code
 * tax_of} (what it compares: {@link Tax}), {@code extra}), {@code skipped} ({@code scenario,
 * reason}), {@code targets} ({@code target, status, detail}) and {@code meta}.
 */
final class Report {
  private final List<Row> rows = Collections.synchronizedList(new ArrayList<>());
  private final List<Skipped> skipped = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, Object> meta = new LinkedHashMap<>();
  private List<Targets.Verdict> verdicts = List.of();
  private final java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();

  void add(Row r) {
    rows.add(r);
  }

  void addAll(List<Row> rs) {
    rows.addAll(rs);
  }

  void skip(Skipped s) {
    skipped.add(s);
  }

  /** A skip caused by an implementation failing during its run (a wrong count, a failed send). */
  void failure(Skipped s) {
    failures.incrementAndGet();
    skip(s);
  }

  int failures() {
    return failures.get();
  }

  void meta(String key, Object value) {
    meta.put(key, value);
  }

  List<Row> rows() {
    synchronized (rows) {
      return List.copyOf(rows);
    }
  }

  List<Skipped> skipped() {
    synchronized (skipped) {
      return List.copyOf(skipped);
    }
  }

  void verdicts(List<Targets.Verdict> v) {
    verdicts = List.copyOf(v);
  }

  List<Targets.Verdict> verdicts() {
    return verdicts;
  }

  // ---------------------------------------------------------------------------------- JSON

  String toJson() {
    Map<String, Object> root = new LinkedHashMap<>();
    List<Object> results = new ArrayList<>();
    for (Row r : rows()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("scenario", r.scenario());
      m.put("impl", r.impl());
      m.put("param", r.param());
      m.put("unit", r.unit());
      m.put("median", r.median());
      m.put("min", r.min());
      m.put("max", r.max());
      m.put("reps", r.reps());
      if (r.cpuSPerGib() != null) {
        m.put("cpu_s_per_gib", r.cpuSPerGib());
      }
      if (r.allocBytesPerMsg() != null) {
        m.put("alloc_bytes_per_msg", r.allocBytesPerMsg());
      }
      if (r.cpuSource() != null) {
        m.put("cpu_source", r.cpuSource());
      }
      Tax.of(r, rows()).ifPresent(t -> {
        m.put("tax", t.ratio());
        m.put("tax_of", t.basis().label());
      });
      if (!r.extra().isEmpty()) {
        m.put("extra", new LinkedHashMap<>(new java.util.TreeMap<>(r.extra())));
      }
      results.add(m);
    }
    root.put("results", results);
    List<Object> skips = new ArrayList<>();
    for (Skipped s : skipped()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("scenario", s.scenario());
      m.put("reason", s.reason());
      skips.add(m);
    }
    root.put("skipped", skips);
    List<Object> targets = new ArrayList<>();
    for (Targets.Verdict v : verdicts) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("target", v.target());
      m.put("status", v.status().label());
      m.put("detail", v.detail());
      targets.add(m);
    }
    root.put("targets", targets);
    root.put("meta", meta);
    return pretty(jsonSafe(root));
  }

  /**
   * Indented JSON for files people read: two spaces a level, one member or element a line,
   * {@code "key": value}, a newline at the end; numbers from {@link #jsonSafe} written plain
   * (123457000, not 1.23457E+8).
   */
  private static final ObjectWriter PRETTY = new ObjectMapper()
      .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
      .writer(new DefaultPrettyPrinter()
          .withSeparators(Separators.createDefaultInstance()
              .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
              .withObjectEmptySeparator("")
              .withArrayEmptySeparator(""))
          .withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n"))
          .withObjectIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n")));

  static String pretty(Object value) {
    try {
      return PRETTY.writeValueAsString(value) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("no JSON form for " + value + ": " + e.getOriginalMessage(), e);
    }
  }

  /**
   * {@code v} with every floating-point number rounded to six significant digits (more would be
   * noise, and a BigDecimal so that it is written as the digits kept, not as a binary double's)
   * and NaN or infinities (no measurement, e.g. CPU of a failed run) as null; Maps keep their
   * order.
   */
  static Object jsonSafe(Object v) {
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (!Double.isFinite(d)) {
        return null;
      }
      return d == 0 ? BigDecimal.ZERO : new BigDecimal(d).round(new MathContext(6)).stripTrailingZeros();
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), jsonSafe(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      l.forEach(x -> out.add(jsonSafe(x)));
      return out;
    }
    return v;
  }

  /** The actor tax of a zerowire row ({@link Tax}): its ratio, or null when it has none. */
  Double tax(Row r) {
    return Tax.of(r, rows()).map(Tax.Value::ratio).orElse(null);
  }

  // --------------------------------------------------------------------------------- table

  /** The results as an aligned text table, then skips and target verdicts. */
  String table() {
    List<String[]> lines = new ArrayList<>();
    lines.add(new String[] {"scenario", "param", "impl", "unit", "median", "min", "max", "cpu s/GiB", "alloc B/msg",
        "tax", "cpu from"});
    for (Row r : rows()) {
      String tax = Tax.of(r, rows()).map(Report::taxCell).orElse("");
      lines.add(new String[] {r.scenario(), r.param(), r.impl(), r.unit(), number(r.median()), number(r.min()),
          number(r.max()), r.cpuSPerGib() == null ? "" : String.format(Locale.ROOT, "%.3f", r.cpuSPerGib()),
          r.allocBytesPerMsg() == null ? "" : number(r.allocBytesPerMsg()),
          tax,
          r.cpuSource() == null ? "" : r.cpuSource()});
    }
    int[] width = new int[lines.get(0).length];
    for (String[] l : lines) {
      for (int i = 0; i < l.length; i++) {
        width[i] = Math.max(width[i], l[i].length());
      }
    }
    StringBuilder b = new StringBuilder();
    for (int k = 0; k < lines.size(); k++) {
      String[] l = lines.get(k);
      for (int i = 0; i < l.length; i++) {
        boolean numeric = i >= 4 && i <= 9;
        String cell = numeric ? " ".repeat(width[i] - l[i].length()) + l[i] : l[i] + " ".repeat(width[i] - l[i].length());
        b.append(i == 0 ? "" : "  ").append(cell);
      }
      b.append('\n');
      if (k == 0) {
        int total = java.util.Arrays.stream(width).sum() + 2 * (width.length - 1);
        b.append("-".repeat(total)).append('\n');
      }
    }
    List<Skipped> sk = skipped();
    if (!sk.isEmpty()) {
      b.append("\nskipped:\n");
      for (Skipped s : sk) {
        b.append("  ").append(s.scenario()).append(": ").append(s.reason()).append('\n');
      }
    }
    if (!verdicts.isEmpty()) {
      b.append("\ntargets:\n");
      for (Targets.Verdict v : verdicts) {
        b.append(String.format(Locale.ROOT, "  %-14s %s%n                 %s%n", v.status().label(), v.target(), v.detail()));
      }
    }
    return b.toString();
  }

  /** "0.50x" for a ratio of medians, "1.45x cpu" for one of CPU per GiB: the column says which. */
  private static String taxCell(Tax.Value t) {
    return String.format(Locale.ROOT, "%.2fx", t.ratio()) + (t.basis() == Tax.Basis.CPU_S_PER_GIB ? " cpu" : "");
  }

  /** Human-readable number: no decimals from 1000 up, 1 from 10, 2 from 1, else 3 significant. */
  static String number(double v) {
    if (!Double.isFinite(v)) {
      return "-";
    }
    double a = Math.abs(v);
    if (a >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    if (a >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    if (a >= 1) {
      return String.format(Locale.ROOT, "%.2f", v);
    }
    return String.format(Locale.ROOT, "%.3g", v);
  }
}
