package io.fednas.report;

import io.fednas.data.ClientPlan;
import io.fednas.data.ImageSet;

/** partition.csv: per client, its training and validation sample counts and label histogram. */
public final class PartitionSummary {
  private PartitionSummary() {}

  public static String csv(ClientPlan plan, ImageSet train) {
    StringBuilder sb = new StringBuilder("client,train_samples,validation_samples");
    for (int k = 0; k < train.numClasses(); k++) {
      sb.append(",label_").append(k);
    }
    sb.append('\n');
    for (int c = 0; c < plan.clients(); c++) {
      sb.append(c).append(',').append(plan.train()[c].length).append(',').append(plan.validation()[c].length);
      for (int h : plan.labelHistogram(c, train.labels(), train.numClasses())) {
        sb.append(',').append(h);
      }
      sb.append('\n');
    }
    return sb.toString();
  }
}
