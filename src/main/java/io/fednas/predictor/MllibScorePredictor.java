package io.fednas.predictor;

import io.fednas.config.PredictorKind;
import io.fednas.search.CutFeatures;
import io.fednas.search.ScorePredictor;
import io.fednas.search.TournamentRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.regression.GBTRegressor;
import org.apache.spark.ml.regression.RandomForestRegressor;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * search.predictor = gbt or rf: a Spark ML pipeline (VectorAssembler, then gradient-boosted trees or
 * a random forest, seeded) fitted on the observed scores, on the driver's SparkSession. It learns
 * each score relative to the mean of the scores taken at the same decision of the same iteration:
 * what ranks a cut among its iteration's others, without the level every candidate there shares (the
 * clients that happened to score, the rounds done). A prediction is that relative score added to the
 * parent's score: a ranking score, since the mean of candidates not yet trained is not known.
 */
public final class MllibScorePredictor implements ScorePredictor {
  private final SparkSession spark;
  private final PredictorKind kind;
  private final long seed;

  public MllibScorePredictor(SparkSession spark, PredictorKind kind, long seed) {
    if (kind == PredictorKind.NONE) {
      throw new IllegalArgumentException("no predictor to build for search.predictor = none");
    }
    this.spark = spark;
    this.kind = kind;
    this.seed = seed;
  }

  @Override
  public double[] predict(List<TournamentRecord> observed, List<CutFeatures> candidates, int rounds) {
    int prunable = candidates.get(0).parentWidths().size();
    List<String> names = CutFeatures.names(prunable);
    Map<String, Double> decisionMean = observed.stream().collect(Collectors.groupingBy(MllibScorePredictor::decision,
        Collectors.averagingDouble(TournamentRecord::validationAccuracy)));
    List<Row> train = new ArrayList<>();
    for (TournamentRecord r : observed) {
      train.add(row(r.features().vector(r.roundsDone()), r.validationAccuracy() - decisionMean.get(decision(r))));
    }
    List<Row> predict = new ArrayList<>();
    for (CutFeatures c : candidates) {
      predict.add(row(c.vector(rounds), 0));
    }
    StructType schema = schema(names);
    VectorAssembler assemble = new VectorAssembler().setInputCols(names.toArray(String[]::new))
        .setOutputCol("features");
    // one partition, rows in order (no shuffle): the trees' statistics are summed in one order,
    // whatever the cluster's parallelism, so the same pairs and seed give the same predictions
    Dataset<Row> trainSet = spark.createDataFrame(train, schema).coalesce(1);
    PipelineModel model = new Pipeline().setStages(new PipelineStage[] {assemble, regressor()}).fit(trainSet);
    // a narrow transformation of a local table: collected in the candidates' order
    List<Row> out = model.transform(spark.createDataFrame(predict, schema)).select("prediction").collectAsList();
    double[] p = new double[candidates.size()];
    for (int i = 0; i < p.length; i++) {
      p[i] = candidates.get(i).parentScore() + out.get(i).getDouble(0);
    }
    return p;
  }

  /**
   * Shallow trees: a few dozen noisy pairs, where deep ones would learn the noise. Boosting fits one
   * tree per Spark pass, so it takes few; the forest grows all its trees in the same passes.
   */
  private PipelineStage regressor() {
    return switch (kind) {
      case GBT -> new GBTRegressor().setLabelCol("label").setFeaturesCol("features").setSeed(seed).setMaxDepth(3)
          .setMaxIter(20).setStepSize(0.2).setMinInstancesPerNode(2).setSubsamplingRate(1.0);
      case RF -> new RandomForestRegressor().setLabelCol("label").setFeaturesCol("features").setSeed(seed)
          .setMaxDepth(4).setNumTrees(60).setMinInstancesPerNode(2);
      case NONE -> throw new IllegalStateException();
    };
  }

  /** One decision of one search: its iteration's parent model (widths and score), and the rounds done. */
  private static String decision(TournamentRecord r) {
    CutFeatures f = r.features();
    return r.iteration() + "/" + r.roundsDone() + "/" + f.parentWidths() + "/" + f.parentScore();
  }

  private static Row row(double[] features, double label) {
    Object[] v = new Object[features.length + 1];
    for (int i = 0; i < features.length; i++) {
      v[i] = features[i];
    }
    v[features.length] = label;
    return RowFactory.create(v);
  }

  private static StructType schema(List<String> names) {
    List<StructField> fields = new ArrayList<>();
    names.forEach(n -> fields.add(DataTypes.createStructField(n, DataTypes.DoubleType, false)));
    fields.add(DataTypes.createStructField("label", DataTypes.DoubleType, false));
    return DataTypes.createStructType(fields);
  }
}
