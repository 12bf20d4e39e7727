package io.fednas.report;

import io.fednas.fleet.ClientFailure;
import java.util.List;

/** failures.csv: every client-training whose update was not aggregated, in round order, with why. */
public final class FailureTable {
  private FailureTable() {}

  public static Table of(List<ClientFailure> failures) {
    Table t = new Table("failures", List.of(Table.Column.of("round", Table.Type.INT),
        Table.Column.of("client", Table.Type.INT), Table.Column.of("model", Table.Type.INT),
        Table.Column.of("kind", Table.Type.STRING), Table.Column.of("detail", Table.Type.STRING),
        Table.Column.real("completed_fraction", "%.4f")));
    for (ClientFailure f : failures) {
      t.row(f.round(), f.client(), f.model(), f.kind().label(), f.detail(), f.completedFraction());
    }
    return t;
  }
}
