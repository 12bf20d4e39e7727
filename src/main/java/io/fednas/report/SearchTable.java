package io.fednas.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fednas.cost.ResourceMetric;
import io.fednas.model.Architecture;
import io.fednas.model.ResourceCounter;
import io.fednas.config.PredictorConfig;
import io.fednas.search.CutFeatures;
import io.fednas.search.IterationRecord;
import io.fednas.search.RankCorrelation;
import io.fednas.search.SearchLoop;
import io.fednas.search.TournamentRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/** search.csv (one row per iteration: the trade-off curve) and the search part of summary.json. */
public final class SearchTable {
  private SearchTable() {}

  public static Table of(List<IterationRecord> curve) {
    Table t = new Table("search", List.of(Table.Column.of("iteration", Table.Type.INT), Table.Column.of("target",
        Table.Type.DOUBLE), Table.Column.of("candidates", Table.Type.INT), Table.Column.of("dropped", Table.Type.STRING),
        Table.Column.of("chosen_layer", Table.Type.INT), Table.Column.of("chosen_width", Table.Type.INT),
        Table.Column.of("architecture", Table.Type.STRING), Table.Column.of("resource", Table.Type.DOUBLE),
        Table.Column.of("params", Table.Type.LONG), Table.Column.of("flops", Table.Type.LONG),
        Table.Column.real("validation_accuracy", "%.6f"), Table.Column.of("short_term_rounds", Table.Type.INT),
        Table.Column.of("rounds_reason", Table.Type.STRING), Table.Column.of("cum_train_flops", Table.Type.LONG),
        Table.Column.of("cum_bytes", Table.Type.LONG), Table.Column.of("cum_client_trainings", Table.Type.LONG),
        Table.Column.of("cum_device_seconds", Table.Type.DOUBLE), Table.Column.of("cum_scoring_flops", Table.Type.LONG),
        Table.Column.of("cum_scoring_bytes", Table.Type.LONG), Table.Column.of("pruned", Table.Type.STRING),
        Table.Column.real("predictor_rank_correlation", "%.4f")));
    for (IterationRecord r : curve) {
      // the dropped candidates' ids in one cell, ";"-separated: "[1;2]"
      t.row(r.iteration(), r.target(), r.candidates(), ids(r.dropped()), r.chosenLayer(),
          r.chosenWidth(), r.architecture(), r.resource(), r.params(), r.flops(), r.validationAccuracy(),
          r.shortTermRounds(), r.roundsReason(), r.cumTrainFlops(), r.cumBytes(), r.cumClientTrainings(),
          r.cumDeviceSeconds(), r.cumScoringFlops(), r.cumScoringBytes(), ids(r.pruned()), r.predictorRankCorrelation());
    }
    return t;
  }

  private static String ids(List<Integer> ids) {
    return ids.toString().replace(", ", ";");
  }

  /**
   * tournament.csv: every candidate's score at every decision point, and its fate there; the
   * predictor's prediction and what it knows of the candidate (what a later run's predictor learns from).
   */
  public static Table tournament(List<TournamentRecord> records) {
    Table t = new Table("tournament", List.of(Table.Column.of("iteration", Table.Type.INT),
        Table.Column.of("rounds_done", Table.Type.INT), Table.Column.of("candidate", Table.Type.INT),
        Table.Column.of("layer", Table.Type.INT), Table.Column.of("width", Table.Type.INT),
        Table.Column.real("validation_accuracy", "%.6f"), Table.Column.of("outcome", Table.Type.STRING),
        Table.Column.real("predicted_score", "%.6f"), Table.Column.of("width_before", Table.Type.INT),
        Table.Column.of("parent_widths", Table.Type.STRING), Table.Column.of("flops_before", Table.Type.LONG),
        Table.Column.of("flops_after", Table.Type.LONG), Table.Column.of("params_before", Table.Type.LONG),
        Table.Column.of("params_after", Table.Type.LONG), Table.Column.real("parent_score", "%.6f"),
        Table.Column.real("drop_last", "%.6f"), Table.Column.real("drop_total", "%.6f")));
    for (TournamentRecord r : records) {
      CutFeatures f = r.features();
      t.row(r.iteration(), r.roundsDone(), r.candidate(), r.layer(), r.width(), r.validationAccuracy(), r.outcome(),
          r.predictedScore(), f.widthBefore(), widths(f.parentWidths()), f.flopsBefore(), f.flopsAfter(),
          f.paramsBefore(), f.paramsAfter(), f.parentScore(), f.dropLast(), f.dropTotal());
    }
    return t;
  }

  /** A model's prunable widths in one cell, space-separated: "16 32 64". */
  public static String widths(List<Integer> widths) {
    return String.join(" ", widths.stream().map(String::valueOf).toList());
  }

  public static void addToSummary(ObjectNode summary, SearchLoop.Result r, Architecture base, ResourceMetric metric,
      PredictorConfig predictor) {
    ObjectNode s = summary.putObject("search");
    s.put("metric", metric.unit());
    s.put("base_resource", metric.of(base));
    s.put("base_params", ResourceCounter.params(base));
    s.put("base_flops", ResourceCounter.forwardFlops(base));
    s.put("final_resource", metric.of(r.finalModel().arch()));
    s.put("budget", r.budget());
    s.put("budget_met", metric.of(r.finalModel().arch()) <= r.budget());
    s.put("final_architecture", r.finalModel().arch().describe());
    s.put("iterations", r.curve().size() - 1);
    ArrayNode rounds = s.putArray("rounds_per_iteration");
    r.curve().stream().skip(1).forEach(i -> rounds.add(i.shortTermRounds()));
    s.put("short_term_rounds", r.rounds());
    s.put("candidates_trained", r.candidatesTrained());
    s.put("candidates_dropped", r.candidatesDropped());
    s.put("simulated_device_seconds", r.deviceSeconds());
    // the search phase alone: base training and the long-term fine-tune are the same for every variant
    IterationRecord first = r.curve().get(0);
    IterationRecord last = r.curve().get(r.curve().size() - 1);
    ObjectNode phase = s.putObject("client_cost");
    phase.put("train_flops", last.cumTrainFlops() - first.cumTrainFlops());
    phase.put("bytes", last.cumBytes() - first.cumBytes());
    phase.put("client_trainings", last.cumClientTrainings() - first.cumClientTrainings());
    // scoring candidates on validation hold-outs: forward passes, and models sent only to be scored
    phase.put("scoring_flops", last.cumScoringFlops() - first.cumScoringFlops());
    phase.put("scoring_bytes_down", last.cumScoringBytes() - first.cumScoringBytes());
    if (predictor.on()) {
      addPredictor(s, r, predictor);
    }
    ArrayNode curve = summary.putArray("tradeoff_curve");
    for (IterationRecord i : r.curve()) {
      ObjectNode p = curve.addObject();
      p.put("iteration", i.iteration());
      p.put("architecture", i.architecture());
      p.put("resource", i.resource());
      p.put("params", i.params());
      p.put("flops", i.flops());
      p.put("validation_accuracy", i.validationAccuracy());
      p.put("cum_train_flops", i.cumTrainFlops());
      p.put("cum_bytes", i.cumBytes());
      p.put("cum_client_trainings", i.cumClientTrainings());
    }
  }

  /**
   * search.predictor: what it pruned, and how well it ranked the candidates that trained anyway:
   * per iteration, and pooled over the run on scores centred on their iteration's mean (predicted and
   * observed alike), so that iterations compare.
   */
  private static void addPredictor(ObjectNode search, SearchLoop.Result r, PredictorConfig cfg) {
    ObjectNode p = search.putObject("predictor");
    p.put("kind", cfg.kind().key());
    p.put("keep", cfg.keep());
    p.put("min_pairs", cfg.minPairs());
    cfg.history().forEach(p.putArray("history")::add);
    p.put("candidates_pruned", r.curve().stream().mapToInt(i -> i.pruned().size()).sum());
    ArrayNode perIteration = p.putArray("rank_correlation_per_iteration");
    List<Double> predicted = new ArrayList<>();
    List<Double> observed = new ArrayList<>();
    for (IterationRecord i : r.curve().subList(1, r.curve().size())) {
      ObjectNode row = perIteration.addObject();
      row.put("iteration", i.iteration());
      row.put("spearman", Double.isNaN(i.predictorRankCorrelation()) ? null : i.predictorRankCorrelation());
      double[][] ranked = TournamentRecord.predictedAndObserved(r.tournament(), i.iteration());
      row.put("trained_with_prediction", ranked[0].length);
      predicted.addAll(centred(ranked[0]));
      observed.addAll(centred(ranked[1]));
    }
    double rho = RankCorrelation.spearman(predicted.stream().mapToDouble(Double::doubleValue).toArray(),
        observed.stream().mapToDouble(Double::doubleValue).toArray());
    p.put("rank_correlation_pooled", Double.isNaN(rho) ? null : rho);
    p.put("rank_correlation_pooled_pairs", predicted.size());
  }

  private static List<Double> centred(double[] v) {
    double mean = java.util.Arrays.stream(v).average().orElse(0);
    return java.util.Arrays.stream(v).map(x -> x - mean).boxed().toList();
  }
}
