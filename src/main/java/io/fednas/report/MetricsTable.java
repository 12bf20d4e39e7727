package io.fednas.report;

import io.fednas.federated.RoundMetrics;
import java.util.List;

/**
 * Per-round metrics as rounds.csv (rewritten atomically after every round, so it can be watched)
 * and rounds.parquet (at the end, for Spark SQL and Zeppelin). Columns are the fields of
 * {@link RoundMetrics} in snake_case, typed as the fields are; NaN marks a score not measured that
 * round. The failed clients' ids are space-separated in one cell.
 */
public final class MetricsTable {
  private MetricsTable() {}

  public static Table of(List<RoundMetrics> rows) {
    return Table.ofRecords("rounds", RoundMetrics.class, rows);
  }
}
