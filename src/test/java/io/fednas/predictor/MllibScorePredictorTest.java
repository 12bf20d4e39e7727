package io.fednas.predictor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fednas.config.PredictorKind;
import io.fednas.model.Architecture;
import io.fednas.model.LayerSpec.Conv;
import io.fednas.model.LayerSpec.Dense;
import io.fednas.model.LayerSpec.MaxPool;
import io.fednas.search.CutFeatures;
import io.fednas.search.RankCorrelation;
import io.fednas.search.TournamentRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The MLlib predictor on a real local Spark, fitted on scripted histories whose relation is known. */
class MllibScorePredictorTest {
  private static final Architecture NET = new Architecture("t", 1, 28, 28, 10, List.of(new Conv(20, 5, 1, false),
      new MaxPool(2, 2), new Conv(50, 5, 1, false), new MaxPool(2, 2), new Dense(500)));
  private static final int[] PRUNABLE = {0, 2, 4};

  /** The known relation: a cut loses accuracy in proportion to the share of FLOPs it removes. */
  private static double score(CutFeatures f) {
    return f.parentScore() - 0.4 * (1 - (double) f.flopsAfter() / f.flopsBefore());
  }

  /** Every layer cut to a range of widths, over four iterations with a falling parent score. */
  private static List<TournamentRecord> history() {
    List<TournamentRecord> out = new ArrayList<>();
    for (int iteration = 1; iteration <= 4; iteration++) {
      double parent = 0.95 - 0.01 * iteration;
      for (int layer : PRUNABLE) {
        for (double kept : new double[] {0.3, 0.45, 0.6, 0.75, 0.9}) {
          int width = (int) Math.round(NET.width(layer) * kept);
          CutFeatures f = CutFeatures.of(iteration, NET, layer, width, parent, 0.01, 0.01 * iteration);
          out.add(new TournamentRecord(iteration, 1, out.size(), layer, width, score(f), TournamentRecord.KEPT,
              Double.NaN, f));
        }
      }
    }
    return out;
  }

  /** New cuts, spread over the range the history covers. */
  private static List<CutFeatures> candidates() {
    List<CutFeatures> out = new ArrayList<>();
    out.add(CutFeatures.of(5, NET, 2, 44, 0.9, 0.01, 0.05));
    out.add(CutFeatures.of(5, NET, 0, 8, 0.9, 0.01, 0.05));
    out.add(CutFeatures.of(5, NET, 4, 300, 0.9, 0.01, 0.05));
    out.add(CutFeatures.of(5, NET, 2, 20, 0.9, 0.01, 0.05));
    return out;
  }

  private static SparkSession spark(int cores) {
    return SparkSession.builder().master("local[" + cores + "]").config("spark.ui.enabled", "false").getOrCreate();
  }

  @Test
  void onAHistoryWithAMonotoneRelationEachRegressorRanksNewCandidatesInTheRightOrder() {
    SparkSession spark = spark(2);
    try {
      List<CutFeatures> c = candidates();
      double[] truth = c.stream().mapToDouble(MllibScorePredictorTest::score).toArray();
      for (PredictorKind kind : List.of(PredictorKind.GBT, PredictorKind.RF)) {
        double[] predicted = new MllibScorePredictor(spark, kind, 42).predict(history(), c, 1);
        String what = kind + ": " + Arrays.toString(predicted) + " against " + Arrays.toString(truth);
        assertEquals(1.0, RankCorrelation.spearman(predicted, truth), 1e-12, what);
        // a ranking score: what separates two candidates is learned, the level they share is not
        for (int i = 1; i < c.size(); i++) {
          assertEquals(truth[i] - truth[0], predicted[i] - predicted[0], 0.05, what);
        }
      }
    } finally {
      spark.stop();
    }
  }

  @Test
  void theSameSeedGivesTheSamePredictionsWhateverTheParallelism() {
    List<PredictorKind> kinds = List.of(PredictorKind.GBT, PredictorKind.RF);
    double[][][] runs = new double[2][kinds.size()][];
    int[] cores = {2, 1};
    for (int r = 0; r < runs.length; r++) {
      SparkSession spark = spark(cores[r]);
      try {
        for (int k = 0; k < kinds.size(); k++) {
          runs[r][k] = new MllibScorePredictor(spark, kinds.get(k), 7).predict(history(), candidates(), 1);
        }
      } finally {
        spark.stop();
      }
    }
    for (int k = 0; k < kinds.size(); k++) {
      assertArrayEquals(runs[0][k], runs[1][k], kinds.get(k) + ": same seed, 2 and 1 cores");
    }
  }
}
