package io.fednas.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fednas.config.PredictorKind;
import io.fednas.config.Scoring;
import io.fednas.predictor.MllibScorePredictor;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * search.predictor's rule in the search loop, with Spark MLlib's predictor on a local session and
 * the scripted rounds of {@link SearchLoopTest}: cutting the dense layer costs least, the first
 * convolution most, which the predictor learns from the first iteration's tournament.
 */
class SearchLoopPredictorTest {
  @Test
  void aColdPredictorTrainsEveryCandidateThenOnlyTheOnesItRanksBest() {
    SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
    try {
      SearchLoopTest.ScriptedRounds rounds = new SearchLoopTest.ScriptedRounds(SearchLoopTest::byCutLayer);
      SearchLoopTest.Lines log = new SearchLoopTest.Lines();
      // iteration 1 leaves 5 scores (3 candidates after 2 rounds, 2 after 4): fewer than 6, so iteration 2 is cold too
      CandidatePredictor predictor = new CandidatePredictor(new MllibScorePredictor(spark, PredictorKind.RF, 1), 1, 6,
          List.of());
      SearchLoop.Result r = SearchLoopTest.run(SearchLoopTest.search(true, true, false, 0.93, Scoring.VALIDATION),
          rounds, predictor, log);
      List<IterationRecord> curve = r.curve();
      assertTrue(curve.size() >= 4, "at least three iterations: " + curve.size());
      for (int i = 1; i <= 2; i++) {
        assertEquals(List.of(), curve.get(i).pruned(), "iteration " + i + " is cold: every candidate trains");
        assertEquals(3, curve.get(i).candidates());
        assertTrue(Double.isNaN(curve.get(i).predictorRankCorrelation()));
      }
      assertEquals(2, log.lines.stream().filter(l -> l.contains("fewer than search.predictorMinPairs = 6")).count(),
          String.join("\n", log.lines));
      int trained = 6;
      for (IterationRecord it : curve.subList(3, curve.size())) {
        assertEquals(it.candidates() - 1, it.pruned().size(), "iteration " + it.iteration() + " trains one");
        trained += 1;
        List<TournamentRecord> pruned = r.tournament().stream()
            .filter(t -> t.iteration() == it.iteration() && t.outcome().equals(TournamentRecord.PRUNED)).toList();
        assertEquals(it.pruned().size(), pruned.size());
        TournamentRecord chosen = r.tournament().stream().filter(t -> t.iteration() == it.iteration()
            && t.outcome().equals(TournamentRecord.CHOSEN)).findFirst().orElseThrow();
        for (TournamentRecord p : pruned) {
          assertTrue(Double.isNaN(p.validationAccuracy()) && p.roundsDone() == 0);
          assertTrue(p.predictedScore() < chosen.predictedScore(), "pruned " + p + " was predicted below " + chosen);
          assertTrue(p.layer() != 3, "the cheapest cut, the dense layer's, is never pruned while it is a candidate");
        }
      }
      assertEquals(trained, r.candidatesTrained());
      // after the cold iterations one candidate per round: the tournament has nothing to wait for
      int coldRounds = curve.get(1).shortTermRounds() + curve.get(2).shortTermRounds();
      assertTrue(rounds.modelsPerRound.subList(coldRounds, rounds.modelsPerRound.size()).stream().allMatch(n -> n == 1),
          rounds.modelsPerRound.toString());
    } finally {
      spark.stop();
    }
  }
}
