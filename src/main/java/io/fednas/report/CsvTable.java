package io.fednas.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A CSV file the run wrote (header line, double-quoted fields where needed), read back by column. */
public final class CsvTable {
  private final List<String> header;
  private final List<List<String>> rows;

  private CsvTable(List<String> header, List<List<String>> rows) {
    this.header = header;
    this.rows = rows;
  }

  public static CsvTable read(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    List<List<String>> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      if (!line.isBlank()) {
        rows.add(split(line));
      }
    }
    return new CsvTable(split(lines.get(0)), rows);
  }

  static List<String> split(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          cell.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          cell.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        out.add(cell.toString());
        cell.setLength(0);
      } else {
        cell.append(c);
      }
    }
    out.add(cell.toString());
    return out;
  }

  public int size() {
    return rows.size();
  }

  public boolean has(String column) {
    return header.contains(column);
  }

  public String text(int row, String column) {
    int i = header.indexOf(column);
    if (i < 0) {
      throw new IllegalArgumentException("no column " + column + " in " + header);
    }
    return rows.get(row).get(i);
  }

  public double number(int row, String column) {
    String s = text(row, column);
    return s.isEmpty() || s.equals("NaN") ? Double.NaN : Double.parseDouble(s);
  }

  public double[] numbers(String column) {
    double[] out = new double[rows.size()];
    for (int r = 0; r < out.length; r++) {
      out[r] = number(r, column);
    }
    return out;
  }
}
