package io.fednas.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * One of a run's tables with a declared schema: every column has a name and a type, so the CSV
 * and the Parquet copy have the same columns in every run, whatever the values (an empty table
 * too). CSV is RFC 4180 (a field holding a comma, a quote or a line break is quoted); Parquet is
 * written from typed rows. docs/OUTPUTS.md lists every table's columns.
 */
public final class Table {
  /** A column's type: its Java value class and its Spark SQL type. */
  public enum Type {
    INT(Integer.class, DataTypes.IntegerType),
    LONG(Long.class, DataTypes.LongType),
    DOUBLE(Double.class, DataTypes.DoubleType),
    BOOLEAN(Boolean.class, DataTypes.BooleanType),
    STRING(String.class, DataTypes.StringType),
    /** Names to numbers (a model's latency on each device profile); JSON in the CSV. */
    MAP(java.util.Map.class, DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType));

    private final Class<?> javaType;
    private final DataType sqlType;

    Type(Class<?> javaType, DataType sqlType) {
      this.javaType = javaType;
      this.sqlType = sqlType;
    }

    public DataType sqlType() {
      return sqlType;
    }
  }

  /**
   * A column; {@code format} writes a DOUBLE in the CSV ({@code %.6g}, {@code %.4f}, ...);
   * {@code nullable}: a row may leave it empty (a STRING always may).
   */
  public record Column(String name, Type type, String format, boolean nullable) {
    public static Column of(String name, Type type) {
      return new Column(name, type, type == Type.DOUBLE ? "%.6g" : null, type == Type.STRING);
    }

    public static Column real(String name, String format) {
      return new Column(name, Type.DOUBLE, format, false);
    }

    /** A column a row may leave empty: null in Parquet, an empty field in CSV. */
    public static Column optional(String name, Type type) {
      return new Column(name, type, type == Type.DOUBLE ? "%.6g" : null, true);
    }
  }

  /**
   * A table with one column per component of record {@code type}, in snake_case, typed as the
   * component is (a boxed number may be null), and one row per record.
   */
  public static <R extends Record> Table ofRecords(String name, Class<R> type, List<R> records) {
    java.lang.reflect.RecordComponent[] fields = type.getRecordComponents();
    List<Column> columns = new ArrayList<>();
    for (java.lang.reflect.RecordComponent f : fields) {
      String column = f.getName().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
      Class<?> t = f.getType();
      columns.add(t == int.class ? of(column, Type.INT) : t == long.class ? of(column, Type.LONG)
          : t == double.class ? of(column, Type.DOUBLE) : t == Double.class ? Column.optional(column, Type.DOUBLE)
          : t == String.class ? of(column, Type.STRING) : t == java.util.Map.class ? Column.optional(column, Type.MAP)
          : unsupported(type, f));
    }
    Table table = new Table(name, columns);
    for (R r : records) {
      Object[] values = new Object[fields.length];
      try {
        for (int i = 0; i < fields.length; i++) {
          values[i] = fields[i].getAccessor().invoke(r);
        }
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
      table.row(values);
    }
    return table;
  }

  private static Column of(String name, Type type) {
    return Column.of(name, type);
  }

  private static Column unsupported(Class<?> record, java.lang.reflect.RecordComponent f) {
    throw new IllegalArgumentException(record.getSimpleName() + "." + f.getName() + ": no column type for " + f.getType());
  }

  private static final CSVFormat CSV = CSVFormat.RFC4180.builder().setRecordSeparator('\n').build();

  private final String name;
  private final List<Column> columns;
  private final List<Object[]> rows = new ArrayList<>();

  public Table(String name, List<Column> columns) {
    this.name = name;
    this.columns = List.copyOf(columns);
  }

  public String name() {
    return name;
  }

  public List<Column> columns() {
    return columns;
  }

  /** Adds a row: one value per column, of the column's type (a STRING may be null). */
  public Table row(Object... values) {
    if (values.length != columns.size()) {
      throw new IllegalArgumentException(name + ": " + values.length + " values for " + columns.size() + " columns");
    }
    for (int i = 0; i < values.length; i++) {
      Column c = columns.get(i);
      if (values[i] == null ? !c.nullable() : !c.type().javaType.isInstance(values[i])) {
        throw new IllegalArgumentException(name + "." + c.name() + " is " + c.type() + ", not "
            + (values[i] == null ? "null" : values[i].getClass().getSimpleName()));
      }
    }
    rows.add(values.clone());
    return this;
  }

  public int size() {
    return rows.size();
  }

  /**
   * The Parquet schema, every column nullable: Spark reads every Parquet column back as nullable, so
   * this is the schema a reader sees ({@link #row} lets only a nullable column be null).
   */
  public StructType schema() {
    List<StructField> fields = new ArrayList<>();
    for (Column c : columns) {
      fields.add(DataTypes.createStructField(c.name(), c.type().sqlType(), true));
    }
    return new StructType(fields.toArray(new StructField[0]));
  }

  /** The table as CSV: a header line, then one record per row (NaN for a score not measured). */
  public String csv() {
    StringBuilder sb = new StringBuilder();
    try (CSVPrinter out = new CSVPrinter(sb, CSV)) {
      out.printRecord(columns.stream().map(Column::name).toList());
      for (Object[] r : rows) {
        List<String> cells = new ArrayList<>(r.length);
        for (int i = 0; i < r.length; i++) {
          cells.add(cell(columns.get(i), r[i]));
        }
        out.printRecord(cells);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return sb.toString();
  }

  private static String cell(Column c, Object v) {
    if (v == null) {
      return "";
    }
    if (c.type() == Type.MAP) {
      try {
        return Json.MAPPER.writeValueAsString(v);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return c.format() != null ? String.format(Locale.ROOT, c.format(), v) : v.toString();
  }

  /** Writes the table as Parquet with its declared schema, into a temporary folder renamed into place. */
  public void writeParquet(SparkSession spark, Path target) {
    List<Row> data = new ArrayList<>(rows.size());
    for (Object[] r : rows) {
      data.add(RowFactory.create(Arrays.copyOf(r, r.length)));
    }
    Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
    spark.createDataFrame(data, schema()).coalesce(1).write().mode(SaveMode.Overwrite).parquet(tmp.toUri().toString());
    try {
      RunDirectory.moveIntoPlace(tmp, target);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
