package dev.zerowire.samples;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict RFC 8259 reader for tests only: checks that what {@link Json} writes is one valid
 * JSON value and gives it back as Map / List / String / Long / Double / Boolean / null. Written
 * apart from {@link Json} (a reader, not a writer) so that the two do not share mistakes.
 */
public final class JsonParser {
  private final String s;
  private int at;

  private JsonParser(String s) {
    this.s = s;
  }

  /** Parses exactly one value, with nothing but whitespace around it. */
  public static Object parse(String s) {
    JsonParser p = new JsonParser(s);
    p.ws();
    Object v = p.value();
    p.ws();
    if (p.at != s.length()) {
      throw p.error("trailing text");
    }
    return v;
  }

  private Object value() {
    if (at >= s.length()) {
      throw error("unexpected end");
    }
    char c = s.charAt(at);
    return switch (c) {
      case '{' -> object();
      case '[' -> array();
      case '"' -> string();
      case 't' -> literal("true", Boolean.TRUE);
      case 'f' -> literal("false", Boolean.FALSE);
      case 'n' -> literal("null", null);
      default -> number();
    };
  }

  private Map<String, Object> object() {
    Map<String, Object> m = new LinkedHashMap<>();
    at++;
    ws();
    if (peek('}')) {
      at++;
      return m;
    }
    while (true) {
      ws();
      String k = string();
      ws();
      expect(':');
      ws();
      if (m.containsKey(k)) {
        throw error("duplicate key " + k);
      }
      m.put(k, value());
      ws();
      if (peek(',')) {
        at++;
        continue;
      }
      expect('}');
      return m;
    }
  }

  private List<Object> array() {
    List<Object> l = new ArrayList<>();
    at++;
    ws();
    if (peek(']')) {
      at++;
      return l;
    }
    while (true) {
      ws();
      l.add(value());
      ws();
      if (peek(',')) {
        at++;
        continue;
      }
      expect(']');
      return l;
    }
  }

  private String string() {
    expect('"');
    StringBuilder b = new StringBuilder();
    while (true) {
      if (at >= s.length()) {
        throw error("unterminated string");
      }
      char c = s.charAt(at++);
      if (c == '"') {
        return b.toString();
      }
      if (c < 0x20) {
        throw error("raw control character " + (int) c + " in a string");
      }
      if (c != '\\') {
        b.append(c);
        continue;
      }
      char e = s.charAt(at++);
      switch (e) {
        case '"', '\\', '/' -> b.append(e);
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'n' -> b.append('\n');
        case 'r' -> b.append('\r');
        case 't' -> b.append('\t');
        case 'u' -> {
          b.append((char) Integer.parseInt(s.substring(at, at + 4), 16));
          at += 4;
        }
        default -> throw error("bad escape \\" + e);
      }
    }
  }

  private Object number() {
    int start = at;
    if (peek('-')) {
      at++;
    }
    if (peek('0')) {
      at++;
    } else {
      digits();
    }
    boolean fraction = false;
    if (peek('.')) {
      at++;
      digits();
      fraction = true;
    }
    if (peek('e') || peek('E')) {
      at++;
      if (peek('+') || peek('-')) {
        at++;
      }
      digits();
      fraction = true;
    }
    String n = s.substring(start, at);
    return fraction ? (Object) Double.parseDouble(n) : (Object) Long.parseLong(n);
  }

  private void digits() {
    int start = at;
    while (at < s.length() && Character.isDigit(s.charAt(at))) {
      at++;
    }
    if (at == start) {
      throw error("digit expected");
    }
  }

  private Object literal(String word, Object v) {
    if (!s.startsWith(word, at)) {
      throw error(word + " expected");
    }
    at += word.length();
    return v;
  }

  private void ws() {
    while (at < s.length() && " \t\r\n".indexOf(s.charAt(at)) >= 0) {
      at++;
    }
  }

  private boolean peek(char c) {
    return at < s.length() && s.charAt(at) == c;
  }

  private void expect(char c) {
    if (!peek(c)) {
      throw error("'" + c + "' expected");
    }
    at++;
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException(what + " at " + at + " in " + s);
  }
}
