package io.fednas.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fednas.cost.ResourceMetric;
import io.fednas.dl4j.Dl4jBackend;
import io.fednas.model.Architecture;
import io.fednas.model.Architectures;
import io.fednas.model.ResourceCounter;
import java.util.List;
import org.junit.jupiter.api.Test;

class CandidateGeneratorTest {
  private final Architecture lenet = Architectures.byName("lenet", 1, 28, 28, 10);
  private final ResourceMetric flops = new ResourceMetric.Flops();

  @Test
  void eachCandidateIsTheWidestNarrowingThatMeetsTheTarget() {
    CandidateGenerator g = new CandidateGenerator(flops, List.of(), 2);
    double target = 0.9 * flops.of(lenet);
    float[] w = new Dl4jBackend().initialWeights(lenet, 1);
    List<Candidate> cs = g.generate(lenet, w, target);
    assertEquals(3, cs.size()); // conv 0, conv 2, dense 4
    for (Candidate c : cs) {
      assertTrue(c.resource() <= target);
      assertEquals(ResourceCounter.params(c.arch()), c.weights().length);
      // one filter more would miss the target
      assertTrue(flops.of(lenet.withWidth(c.layer(), c.width() + 1)) > target, "layer " + c.layer());
    }
  }

  @Test
  void layersThatCannotMeetTheTargetAreSkipped() {
    CandidateGenerator g = new CandidateGenerator(flops, List.of(), 2);
    // the dense layer holds about 17% of LeNet's FLOPs: cutting it alone cannot remove 40%
    double target = 0.6 * flops.of(lenet);
    assertEquals(-1, g.widestMeeting(lenet, 4, target));
    assertTrue(g.widestMeeting(lenet, 2, target) > 0);
    assertTrue(g.floor(lenet) < target);
  }
}
