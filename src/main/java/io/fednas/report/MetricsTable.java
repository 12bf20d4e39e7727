package io.fednas.report;

import io.fednas.federated.RoundMetrics;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Per-round metrics as rounds.csv (rewritten atomically after every round, so it can be watched)
 * and rounds.parquet (at the end, for Spark SQL and Zeppelin). Columns are the fields of
 * {@link RoundMetrics} in snake_case, typed as the fields are; NaN marks a score not measured that
 * round. The failed clients' ids are space-separated in one cell.
 */
public final class MetricsTable {
  private static final RecordComponent[] FIELDS = RoundMetrics.class.getRecordComponents();

  private MetricsTable() {}

  public static Table of(List<RoundMetrics> rows) {
    List<Table.Column> columns = new ArrayList<>();
    for (RecordComponent f : FIELDS) {
      columns.add(Table.Column.of(snake(f.getName()), type(f.getType())));
    }
    Table t = new Table("rounds", columns);
    for (RoundMetrics m : rows) {
      t.row(values(m));
    }
    return t;
  }

  private static Object[] values(RoundMetrics m) {
    Object[] out = new Object[FIELDS.length];
    try {
      for (int i = 0; i < FIELDS.length; i++) {
        out[i] = FIELDS[i].getAccessor().invoke(m);
      }
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  private static Table.Type type(Class<?> t) {
    if (t == int.class) {
      return Table.Type.INT;
    }
    if (t == long.class) {
      return Table.Type.LONG;
    }
    if (t == double.class) {
      return Table.Type.DOUBLE;
    }
    if (t == String.class) {
      return Table.Type.STRING;
    }
    throw new IllegalStateException("no column type for " + t);
  }

  static String snake(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
  }
}
