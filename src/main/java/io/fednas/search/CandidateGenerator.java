package io.fednas.search;

import io.fednas.cost.ResourceMetric;
import io.fednas.model.Architecture;
import io.fednas.model.WeightSurgery;
import java.util.ArrayList;
import java.util.List;

/**
 * NetAdapt's candidates for one iteration: for each prunable layer, the widest narrowing whose
 * resource meets the target, weights from the current model by L2-norm filter selection.
 */
public final class CandidateGenerator {
  private final ResourceMetric metric;
  private final List<Integer> layers;
  private final int minWidth;

  /** {@code layers}: the prunable layers to consider (empty: all of them). */
  public CandidateGenerator(ResourceMetric metric, List<Integer> layers, int minWidth) {
    this.metric = metric;
    this.layers = List.copyOf(layers);
    this.minWidth = minWidth;
  }

  public List<Integer> layersOf(Architecture arch) {
    return layers.isEmpty() ? arch.prunableLayers() : layers;
  }

  /** The widest width of {@code layer} in [minWidth, current) whose resource is at most {@code target}, or -1. */
  public int widestMeeting(Architecture arch, int layer, double target) {
    int lo = minWidth;
    int hi = arch.width(layer) - 1;
    if (hi < lo || metric.of(arch.withWidth(layer, lo)) > target) {
      return -1;
    }
    // the resource grows with the width: binary search for the largest width that fits
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (metric.of(arch.withWidth(layer, mid)) <= target) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  public List<Candidate> generate(Architecture arch, float[] weights, double target) {
    List<Candidate> out = new ArrayList<>();
    for (int layer : layersOf(arch)) {
      int w = widestMeeting(arch, layer, target);
      if (w > 0) {
        Architecture narrowed = arch.withWidth(layer, w);
        out.add(new Candidate(out.size(), layer, w, narrowed, WeightSurgery.narrow(arch, weights, layer, w),
            metric.of(narrowed)));
      }
    }
    return out;
  }

  /** The smallest resource reachable: every considered layer at minWidth. */
  public double floor(Architecture arch) {
    Architecture a = arch;
    for (int layer : layersOf(arch)) {
      a = a.withWidth(layer, Math.min(minWidth, a.width(layer)));
    }
    return metric.of(a);
  }
}
