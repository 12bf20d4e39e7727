package io.fednas.report;

import io.fednas.federated.RoundMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Per-round metrics as rounds.csv (rewritten atomically after every round, so it can be watched)
 * and rounds.parquet (at the end, for Spark SQL and Zeppelin). Columns are the fields of
 * {@link RoundMetrics} in snake_case; NaN marks a score not measured that round. The failed
 * clients' ids are space-separated in one cell.
 */
public final class MetricsTable {
  private static final RecordComponent[] FIELDS = RoundMetrics.class.getRecordComponents();
  private final List<RoundMetrics> rows;

  public MetricsTable(List<RoundMetrics> rows) {
    this.rows = List.copyOf(rows);
  }

  static List<String> columns() {
    List<String> out = new ArrayList<>();
    for (RecordComponent f : FIELDS) {
      out.add(snake(f.getName()));
    }
    return out;
  }

  public String csv() {
    StringBuilder sb = new StringBuilder(String.join(",", columns())).append('\n');
    for (RoundMetrics m : rows) {
      List<String> cells = new ArrayList<>();
      for (Object v : values(m)) {
        cells.add(v instanceof Double d ? String.format(Locale.ROOT, "%.6g", d) : String.valueOf(v));
      }
      sb.append(String.join(",", cells)).append('\n');
    }
    return sb.toString();
  }

  /** Writes rounds.parquet through Spark into a temporary folder, then renames it into place. */
  public void writeParquet(SparkSession spark, Path target) {
    List<StructField> fields = new ArrayList<>();
    for (RecordComponent f : FIELDS) {
      fields.add(DataTypes.createStructField(snake(f.getName()), sqlType(f.getType()), false));
    }
    List<Row> data = new ArrayList<>();
    for (RoundMetrics m : rows) {
      data.add(RowFactory.create(values(m).toArray()));
    }
    Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
    spark.createDataFrame(data, new StructType(fields.toArray(new StructField[0])))
        .coalesce(1).write().mode(SaveMode.Overwrite).parquet(tmp.toUri().toString());
    try {
      RunDirectory.moveIntoPlace(tmp, target);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Object> values(RoundMetrics m) {
    List<Object> out = new ArrayList<>();
    try {
      for (RecordComponent f : FIELDS) {
        out.add(f.getAccessor().invoke(m));
      }
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  private static DataType sqlType(Class<?> t) {
    if (t == int.class) {
      return DataTypes.IntegerType;
    }
    if (t == long.class) {
      return DataTypes.LongType;
    }
    if (t == double.class) {
      return DataTypes.DoubleType;
    }
    if (t == String.class) {
      return DataTypes.StringType;
    }
    throw new IllegalStateException("no SQL type for " + t);
  }

  static String snake(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
  }

}
