package io.fednas.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A table's CSV and Parquet: real quoting, declared types, the same schema with or without rows. */
class TableTest {
  private static final String HOSTILE = "needed 3.5s, had \"2s\"\nthen dropped; 100%";

  private static Table table() {
    return new Table("t", List.of(Table.Column.of("round", Table.Type.INT), Table.Column.of("detail", Table.Type.STRING),
        Table.Column.real("share", "%.4f"), Table.Column.of("flops", Table.Type.LONG)));
  }

  @Test
  void aFieldWithACommaAQuoteAndANewlineRoundTripsThroughTheCsv(@TempDir Path dir) throws Exception {
    Table t = table().row(7, HOSTILE, 0.5, 123_456_789_012L).row(8, "", Double.NaN, 0L).row(9, null, 1.0, 1L);
    Path csv = dir.resolve("t.csv");
    Files.writeString(csv, t.csv());
    assertTrue(t.csv().contains("\"needed 3.5s, had \"\"2s\"\"\nthen dropped; 100%\""), t.csv());
    CsvTable back = CsvTable.read(csv);
    assertEquals(3, back.size());
    assertEquals(HOSTILE, back.text(0, "detail"));
    assertEquals(123_456_789_012L, (long) back.number(0, "flops"));
    assertEquals("0.5000", back.text(0, "share"));
    assertTrue(Double.isNaN(back.number(1, "share")));
    assertEquals("", back.text(2, "detail"));
  }

  @Test
  void aValueOfAnotherTypeOrAMissingOneIsRefusedNamingTheColumn() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> table().row(7, "x", 0.5, 12)); // an int where a bigint belongs
    assertEquals("t.flops is LONG, not Integer", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> table().row(7, "x", 0.5));
    assertThrows(IllegalArgumentException.class, () -> table().row(null, "x", 0.5, 1L));
  }

  @Test
  void parquetHasTheDeclaredSchemaWithRowsAndWithout(@TempDir Path dir) {
    SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
    try {
      table().row(7, HOSTILE, 0.5, 123_456_789_012L).writeParquet(spark, dir.resolve("full.parquet"));
      table().writeParquet(spark, dir.resolve("empty.parquet"));
      var full = spark.read().parquet(dir.resolve("full.parquet").toString());
      var empty = spark.read().parquet(dir.resolve("empty.parquet").toString());
      assertEquals(table().schema(), full.schema());
      assertEquals(full.schema(), empty.schema());
      assertEquals("struct<round:int,detail:string,share:double,flops:bigint>", full.schema().simpleString());
      Row r = full.collectAsList().get(0);
      assertEquals(HOSTILE, r.getString(1));
      assertEquals(123_456_789_012L, r.getLong(3));
      assertEquals(0, empty.count());
    } finally {
      spark.stop();
    }
  }
}
