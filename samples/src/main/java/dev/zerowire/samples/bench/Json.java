package dev.zerowire.samples.bench;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The little JSON the report needs (objects, arrays, strings, numbers, booleans, null), written by
 * hand so the bench needs no JSON library. Numbers keep six significant digits; NaN and infinities,
 * which JSON cannot express, become null.
 */
final class Json {
  private Json() {}

  /** Writes {@code value}: a Map (String keys, insertion order kept), List, String, Number, Boolean or null. */
  static String write(Object value) {
    StringBuilder b = new StringBuilder();
    write(b, value, 0);
    return b.append('\n').toString();
  }

  private static void write(StringBuilder b, Object v, int indent) {
    if (v == null) {
      b.append("null");
    } else if (v instanceof String s) {
      quote(b, s);
    } else if (v instanceof Boolean x) {
      b.append(x);
    } else if (v instanceof Number n) {
      b.append(number(n));
    } else if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        b.append("{}");
        return;
      }
      b.append("{\n");
      Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<?, ?> e = it.next();
        pad(b, indent + 1);
        quote(b, String.valueOf(e.getKey()));
        b.append(": ");
        write(b, e.getValue(), indent + 1);
        b.append(it.hasNext() ? ",\n" : "\n");
      }
      pad(b, indent);
      b.append('}');
    } else if (v instanceof List<?> l) {
      if (l.isEmpty()) {
        b.append("[]");
        return;
      }
      b.append("[\n");
      for (int i = 0; i < l.size(); i++) {
        pad(b, indent + 1);
        write(b, l.get(i), indent + 1);
        b.append(i + 1 < l.size() ? ",\n" : "\n");
      }
      pad(b, indent);
      b.append(']');
    } else {
      throw new IllegalArgumentException("not JSON: " + v.getClass().getName());
    }
  }

  static String number(Number n) {
    if (n instanceof Integer || n instanceof Long) {
      return n.toString();
    }
    double d = n.doubleValue();
    if (!Double.isFinite(d)) {
      return "null";
    }
    if (d == 0) {
      return "0";
    }
    return new BigDecimal(d).round(MathContext.DECIMAL64).round(new MathContext(6)).stripTrailingZeros().toPlainString();
  }

  static void quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  private static void pad(StringBuilder b, int indent) {
    b.append("  ".repeat(indent));
  }
}
