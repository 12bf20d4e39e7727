package io.fednas.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/** A CSV file the run wrote ({@link Table#csv}: RFC 4180, a header line), read back by column. */
public final class CsvTable {
  private final List<String> header;
  private final List<List<String>> rows;

  private CsvTable(List<String> header, List<List<String>> rows) {
    this.header = header;
    this.rows = rows;
  }

  public static CsvTable read(Path file) throws IOException {
    List<List<String>> records = new ArrayList<>();
    try (CSVParser parser = CSVParser.parse(file, StandardCharsets.UTF_8, CSVFormat.RFC4180)) {
      for (CSVRecord r : parser) {
        records.add(r.toList());
      }
    }
    if (records.isEmpty()) {
      throw new IOException(file + " is empty: no header line");
    }
    return new CsvTable(records.get(0), records.subList(1, records.size()));
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
