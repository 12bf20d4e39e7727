package io.fednas.report;

import io.fednas.fleet.ClientFailure;
import java.util.List;
import java.util.Locale;

/** failures.csv: every client-training whose update was not aggregated, in round order, with why. */
public final class FailureTable {
  private FailureTable() {}

  public static String csv(List<ClientFailure> failures) {
    StringBuilder sb = new StringBuilder("round,client,model,kind,detail,completed_fraction\n");
    for (ClientFailure f : failures) {
      sb.append(String.format(Locale.ROOT, "%d,%d,%d,%s,\"%s\",%.4f%n", f.round(), f.client(), f.model(), f.kind().label(),
          f.detail().replace("\"", "'"), f.completedFraction()));
    }
    return sb.toString();
  }
}
