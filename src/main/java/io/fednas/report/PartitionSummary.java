package io.fednas.report;

import io.fednas.data.ClientPlan;
import io.fednas.data.ImageSet;
import java.util.ArrayList;
import java.util.List;

/** partition.csv: per client, its training and validation sample counts and label histogram. */
public final class PartitionSummary {
  private PartitionSummary() {}

  /** Columns client, train_samples, validation_samples, then label_0 .. label_{K-1} (training samples of each class). */
  public static Table of(ClientPlan plan, ImageSet train) {
    List<Table.Column> columns = new ArrayList<>(List.of(Table.Column.of("client", Table.Type.INT),
        Table.Column.of("train_samples", Table.Type.INT), Table.Column.of("validation_samples", Table.Type.INT)));
    for (int k = 0; k < train.numClasses(); k++) {
      columns.add(Table.Column.of("label_" + k, Table.Type.INT));
    }
    Table t = new Table("partition", columns);
    for (int c = 0; c < plan.clients(); c++) {
      List<Object> row = new ArrayList<>(List.of(c, plan.train()[c].length, plan.validation()[c].length));
      for (int h : plan.labelHistogram(c, train.labels(), train.numClasses())) {
        row.add(h);
      }
      t.row(row.toArray());
    }
    return t;
  }
}
