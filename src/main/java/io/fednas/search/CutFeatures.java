package io.fednas.search;

import io.fednas.model.Architecture;
import io.fednas.model.ResourceCounter;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * What the accuracy predictor knows of a candidate: its cut and the model it was cut from. Only the
 * architecture and the search's own scores, never client data (docs/ALGORITHM.md, "The accuracy
 * predictor").
 *
 * @param layer the cut layer (its index in the architecture's layer list)
 * @param parentWidths every prunable layer's width in the model it was cut from, in layer order
 * @param parentScore the score the search gave that model (its validation accuracy for the base)
 * @param dropLast how much that model's score fell in the iteration that chose it (0 in iteration 1)
 * @param dropTotal how much the score has fallen since the base model
 */
public record CutFeatures(int iteration, int layer, List<Integer> parentWidths, int widthBefore, int widthAfter,
    long flopsBefore, long flopsAfter, long paramsBefore, long paramsAfter, double parentScore, double dropLast,
    double dropTotal) implements Serializable {

  public CutFeatures {
    parentWidths = List.copyOf(parentWidths);
  }

  /** The features of cutting {@code layer} of {@code parent} to {@code width} in iteration {@code iteration}. */
  public static CutFeatures of(int iteration, Architecture parent, int layer, int width, double parentScore,
      double dropLast, double dropTotal) {
    List<Integer> widths = new ArrayList<>();
    parent.prunableLayers().forEach(l -> widths.add(parent.width(l)));
    Architecture cut = parent.withWidth(layer, width);
    return new CutFeatures(iteration, layer, widths, parent.width(layer), width, ResourceCounter.forwardFlops(parent),
        ResourceCounter.forwardFlops(cut), ResourceCounter.params(parent), ResourceCounter.params(cut), parentScore,
        dropLast, dropTotal);
  }

  /** The names of {@link #vector}'s entries, for a family with {@code prunable} prunable layers. */
  public static List<String> names(int prunable) {
    List<String> n = new ArrayList<>(List.of("iteration", "rounds_done", "layer", "width_before", "width_after",
        "width_kept"));
    for (int i = 0; i < prunable; i++) {
      n.add("width_" + i);
    }
    n.addAll(List.of("flops_before", "flops_after", "flops_kept", "params_before", "params_after", "params_kept",
        "parent_score", "drop_last", "drop_total"));
    return n;
  }

  /** The features as the predictor's input vector, for a score observed after {@code roundsDone} short-term rounds. */
  public double[] vector(int roundsDone) {
    List<Double> v = new ArrayList<>(List.of((double) iteration, (double) roundsDone, (double) layer,
        (double) widthBefore, (double) widthAfter, (double) widthAfter / widthBefore));
    parentWidths.forEach(w -> v.add((double) w));
    v.addAll(List.of((double) flopsBefore, (double) flopsAfter, (double) flopsAfter / flopsBefore,
        (double) paramsBefore, (double) paramsAfter, (double) paramsAfter / paramsBefore, parentScore, dropLast,
        dropTotal));
    return v.stream().mapToDouble(Double::doubleValue).toArray();
  }
}
