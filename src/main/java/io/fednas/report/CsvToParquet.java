package io.fednas.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * The run's other tables (search.csv, tournament.csv, client_cost.csv, partition.csv) as Parquet,
 * so Spark SQL and the Zeppelin note read every table the same way. Column types are inferred
 * from the CSV the run just wrote; written to a temporary folder, then renamed into place.
 */
public final class CsvToParquet {
  private CsvToParquet() {}

  public static void convert(SparkSession spark, RunDirectory dir, String table) {
    Path csv = dir.resolve(table + ".csv");
    Path target = dir.resolve(table + ".parquet");
    Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
    spark.read().option("header", "true").option("inferSchema", "true").option("escape", "\"")
        .csv(csv.toUri().toString())
        .coalesce(1).write().mode(SaveMode.Overwrite).parquet(tmp.toUri().toString());
    try {
      RunDirectory.moveIntoPlace(tmp, target);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
