package io.fednas.predictor;

import io.fednas.config.PredictorKind;
import io.fednas.model.Architecture;
import io.fednas.search.CutFeatures;
import io.fednas.search.RankCorrelation;
import io.fednas.search.TournamentRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.apache.spark.sql.SparkSession;

/**
 * Replays a finished search's tournament to measure each regressor offline: for every iteration
 * from the second on, it fits on the scores observed before it and predicts that iteration's
 * candidates, then compares with the scores they got at the iteration's first decision. On a run
 * without the predictor every candidate trained, so the ranking is checked on all of them.
 *
 * <pre>java -cp CLASSPATH io.fednas.predictor.PredictorReplay RUN_DIR [--keep K]</pre>
 */
public final class PredictorReplay {
  private PredictorReplay() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: PredictorReplay RUN_DIR [--keep K]");
      System.exit(2);
    }
    int keep = args.length >= 3 && args[1].equals("--keep") ? Integer.parseInt(args[2]) : 2;
    Architecture arch = Architecture.fromJson(Files.readString(Path.of(args[0], "model_architecture.json")));
    SparkSession spark = SparkSession.builder().master("local[*]").config("spark.ui.enabled", "false").getOrCreate();
    try {
      List<TournamentRecord> all = PredictorHistory.load(spark, List.of(args[0]), arch);
      for (PredictorKind kind : List.of(PredictorKind.GBT, PredictorKind.RF)) {
        System.out.println(replay(spark, kind, all, keep));
      }
    } finally {
      spark.stop();
    }
  }

  /** One regressor's replay: Spearman's rho per iteration, their mean, and how often the observed best was kept. */
  static String replay(SparkSession spark, PredictorKind kind, List<TournamentRecord> all, int keep) {
    MllibScorePredictor model = new MllibScorePredictor(spark, kind, 42);
    int last = all.stream().mapToInt(TournamentRecord::iteration).max().orElse(0);
    List<String> rhos = new ArrayList<>();
    double sum = 0;
    int measured = 0;
    int bestKept = 0;
    for (int i = 2; i <= last; i++) {
      int iteration = i;
      List<TournamentRecord> before = all.stream().filter(r -> r.iteration() < iteration).toList();
      Map<Integer, Double> observed = TournamentRecord.firstScores(all, iteration);
      Map<Integer, CutFeatures> features = new TreeMap<>();
      all.stream().filter(r -> r.iteration() == iteration).forEach(r -> features.putIfAbsent(r.candidate(), r.features()));
      List<Integer> ids = new ArrayList<>(observed.keySet());
      if (ids.size() < 2 || before.isEmpty()) {
        continue;
      }
      double[] p = model.predict(before, ids.stream().map(features::get).toList(), 1);
      double[] o = ids.stream().mapToDouble(observed::get).toArray();
      double rho = RankCorrelation.spearman(p, o);
      rhos.add(String.format(Locale.ROOT, "%.2f", rho));
      if (!Double.isNaN(rho)) {
        sum += rho;
        measured++;
      }
      int best = IntStream.range(0, o.length).boxed().max(Comparator.comparingDouble(k -> o[k])).orElseThrow();
      long above = IntStream.range(0, p.length).filter(k -> p[k] > p[best]).count();
      bestKept += above < keep ? 1 : 0;
    }
    return String.format(Locale.ROOT, "%s: Spearman's rho per iteration %s, mean %.3f; the observed best among the "
        + "predicted top %d in %d of %d iterations", kind.key(), rhos, sum / Math.max(1, measured), keep, bestKept,
        rhos.size());
  }
}
