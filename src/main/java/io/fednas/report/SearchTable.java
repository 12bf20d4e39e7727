package io.fednas.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fednas.cost.ResourceMetric;
import io.fednas.model.Architecture;
import io.fednas.model.ResourceCounter;
import io.fednas.search.IterationRecord;
import io.fednas.search.SearchLoop;
import io.fednas.search.TournamentRecord;
import java.util.List;
import java.util.Locale;

/** search.csv (one row per iteration: the trade-off curve) and the search part of summary.json. */
public final class SearchTable {
  private SearchTable() {}

  public static String csv(List<IterationRecord> curve) {
    StringBuilder sb = new StringBuilder("iteration,target,candidates,dropped,chosen_layer,chosen_width,architecture,"
        + "resource,params,flops,validation_accuracy,short_term_rounds,rounds_reason,cum_train_flops,cum_bytes,"
        + "cum_client_trainings,cum_device_seconds,cum_scoring_flops,cum_scoring_bytes\n");
    for (IterationRecord r : curve) {
      sb.append(String.format(Locale.ROOT, "%d,%.6g,%d,%s,%d,%d,%s,%.6g,%d,%d,%.6f,%d,\"%s\",%d,%d,%d,%.6g,%d,%d%n",
          r.iteration(), r.target(), r.candidates(), r.dropped().toString().replace(", ", ";").replace(",", ";"),
          r.chosenLayer(), r.chosenWidth(), r.architecture(), r.resource(), r.params(), r.flops(),
          r.validationAccuracy(), r.shortTermRounds(), r.roundsReason().replace("\"", "'"), r.cumTrainFlops(),
          r.cumBytes(), r.cumClientTrainings(), r.cumDeviceSeconds(), r.cumScoringFlops(), r.cumScoringBytes()));
    }
    return sb.toString();
  }

  /** tournament.csv: every candidate's score at every decision point, and its fate there. */
  public static String tournamentCsv(List<TournamentRecord> records) {
    StringBuilder sb = new StringBuilder("iteration,rounds_done,candidate,layer,width,validation_accuracy,outcome\n");
    for (TournamentRecord t : records) {
      sb.append(String.format(Locale.ROOT, "%d,%d,%d,%d,%d,%.6f,%s%n", t.iteration(), t.roundsDone(), t.candidate(),
          t.layer(), t.width(), t.validationAccuracy(), t.outcome()));
    }
    return sb.toString();
  }

  public static void addToSummary(ObjectNode summary, SearchLoop.Result r, Architecture base, ResourceMetric metric) {
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
}
