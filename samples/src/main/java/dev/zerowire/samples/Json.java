package dev.zerowire.samples;

import java.util.Map;

/**
 * A minimal JSON writer for the machine-readable output of the commands ({@code --json}), so
 * that the samples need no JSON library. Builds compact RFC 8259 text in one pass:
 *
 * <pre>{@code
 * String s = Json.object()
 *     .put("kernel", "6.18.0")
 *     .put("so_zerocopy", Json.object().put("tcp4", true))
 *     .put("sizes", Json.array().add(1).add(2.5))
 *     .toString();   // {"kernel":"6.18.0","so_zerocopy":{"tcp4":true},"sizes":[1,2.5]}
 * }</pre>
 *
 * <p>What must stay true: every string (keys too) goes through {@link #quote}; a nested object
 * or array is written as it is at the moment it is added (add it when complete); numbers that
 * JSON cannot hold (NaN, infinities) are rejected, not written. Keys are not checked for
 * duplicates: each command writes its keys once.
 */
public final class Json {
  private Json() {}

  public static Obj object() {
    return new Obj();
  }

  public static Arr array() {
    return new Arr();
  }

  /** The object with {@code map}'s entries in its iteration order (use a LinkedHashMap). */
  public static String of(Map<String, ?> map) {
    Obj o = new Obj();
    map.forEach(o::putValue);
    return o.toString();
  }

  /**
   * {@code value} as indented JSON (two spaces a level, one member or element a line) ending in a
   * newline, for files people read. Takes what {@link Obj#putValue} takes; Maps keep their
   * iteration order, and NaN or infinities are rejected as everywhere in this writer.
   */
  public static String pretty(Object value) {
    StringBuilder b = new StringBuilder();
    pretty(b, value, 0);
    return b.append('\n').toString();
  }

  private static void pretty(StringBuilder b, Object v, int indent) {
    if (v instanceof Map<?, ?> m && !m.isEmpty()) {
      b.append("{\n");
      int i = 0;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (e.getKey() == null) {
          throw new IllegalArgumentException("a JSON key cannot be null");
        }
        b.append("  ".repeat(indent + 1));
        appendQuoted(b, String.valueOf(e.getKey()));
        b.append(": ");
        pretty(b, e.getValue(), indent + 1);
        b.append(++i < m.size() ? ",\n" : "\n");
      }
      b.append("  ".repeat(indent)).append('}');
    } else if (v instanceof Iterable<?> l && l.iterator().hasNext()) {
      b.append("[\n");
      var it = l.iterator();
      while (it.hasNext()) {
        b.append("  ".repeat(indent + 1));
        pretty(b, it.next(), indent + 1);
        b.append(it.hasNext() ? ",\n" : "\n");
      }
      b.append("  ".repeat(indent)).append(']');
    } else {
      Arr one = new Arr(); // scalars, empty containers, Obj and Arr: the compact form
      one.value(v);
      b.append(one.text, 1, one.text.length());
    }
  }

  /** {@code s} as a JSON string literal, quotes included; null gives {@code null}. */
  public static String quote(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder(s.length() + 2);
    appendQuoted(b, s);
    return b.toString();
  }

  /**
   * Escapes what RFC 8259 section 7 requires (quote, backslash, U+0000..U+001F), plus DEL,
   * U+2028/U+2029 (line breaks to JavaScript) and unpaired surrogates (not encodable as UTF-8),
   * all as {@code \}{@code uXXXX} except the short forms for common controls.
   */
  static void appendQuoted(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        default -> {
          boolean pairedHigh = Character.isHighSurrogate(c) && i + 1 < s.length()
              && Character.isLowSurrogate(s.charAt(i + 1));
          if (pairedHigh) {
            b.append(c).append(s.charAt(++i));
          } else if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029' || Character.isSurrogate(c)) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  static String number(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      throw new IllegalArgumentException("JSON has no " + d);
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString((long) d); // 3.0 -> 3
    }
    return Double.toString(d); // e.g. 2.5, 1.0E-5: valid JSON numbers
  }

  /** Shared by objects and arrays: the text so far and whether a comma is due. */
  private abstract static class Builder {
    final StringBuilder text = new StringBuilder();
    private final char close;
    private boolean first = true;

    Builder(char open, char close) {
      text.append(open);
      this.close = close;
    }

    void separator() {
      if (!first) {
        text.append(',');
      }
      first = false;
    }

    void value(Object v) {
      switch (v) {
        case null -> text.append("null");
        case String s -> appendQuoted(text, s);
        case Boolean bool -> text.append(bool);
        case Integer n -> text.append(n);
        case Long n -> text.append(n);
        case Double n -> text.append(number(n));
        case Float n -> text.append(number(n));
        case Builder nested -> text.append(nested);
        case Map<?, ?> map -> {
          Obj o = new Obj();
          map.forEach((k, x) -> o.putValue(String.valueOf(k), x));
          text.append(o);
        }
        case Iterable<?> list -> {
          Arr a = new Arr();
          list.forEach(a::addValue);
          text.append(a);
        }
        default -> throw new IllegalArgumentException("no JSON form for " + v.getClass().getName());
      }
    }

    /** The JSON text: compact, no whitespace. */
    @Override
    public String toString() {
      return text + String.valueOf(close);
    }
  }

  /** A JSON object under construction; keys keep the order they were put in. */
  public static final class Obj extends Builder {
    Obj() {
      super('{', '}');
    }

    public Obj put(String key, String value) {
      return putValue(key, value);
    }

    public Obj put(String key, long value) {
      return putValue(key, value);
    }

    public Obj put(String key, double value) {
      return putValue(key, value);
    }

    public Obj put(String key, boolean value) {
      return putValue(key, value);
    }

    public Obj put(String key, Obj value) {
      return putValue(key, value);
    }

    public Obj put(String key, Arr value) {
      return putValue(key, value);
    }

    /** {@code "key":null}. */
    public Obj putNull(String key) {
      return putValue(key, null);
    }

    /**
     * Any value: null, String, Boolean, Integer, Long, Double, Float, Obj, Arr, or a Map or
     * Iterable of these (written as object or array).
     */
    public Obj putValue(String key, Object value) {
      if (key == null) {
        throw new IllegalArgumentException("a JSON key cannot be null");
      }
      separator();
      appendQuoted(text, key);
      text.append(':');
      value(value);
      return this;
    }
  }

  /** A JSON array under construction. */
  public static final class Arr extends Builder {
    Arr() {
      super('[', ']');
    }

    public Arr add(String value) {
      return addValue(value);
    }

    public Arr add(long value) {
      return addValue(value);
    }

    public Arr add(double value) {
      return addValue(value);
    }

    public Arr add(boolean value) {
      return addValue(value);
    }

    public Arr add(Obj value) {
      return addValue(value);
    }

    public Arr add(Arr value) {
      return addValue(value);
    }

    /** Any value {@link Obj#putValue} takes. */
    public Arr addValue(Object value) {
      separator();
      value(value);
      return this;
    }
  }
}
