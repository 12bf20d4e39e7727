package io.fednas.search;

import io.fednas.FedNasException;
import io.fednas.config.SearchConfig;
import io.fednas.cost.ResourceMetric;
import io.fednas.model.Architecture;
import io.fednas.model.LayerSpec;
import java.util.Locale;

/**
 * The search's rules as values, built once from its config: what the budget is measured in, which
 * candidates are dropped during an iteration, how many short-term rounds the next iteration gets,
 * and how an iteration's model is chosen. The baseline and FedNAS differ only in these values.
 */
public record SearchPolicies(SearchConfig config, ResourceMetric metric, CandidateGenerator generator,
    Tournament tournament, RoundSchedule schedule) {

  public static SearchPolicies of(SearchConfig s, ResourceMetric metric) {
    return new SearchPolicies(s, metric, new CandidateGenerator(metric, s.layers(), s.minWidth()),
        s.tournament() ? new Tournament.SuccessiveHalving(s.dropFraction(), s.protectMargin()) : new Tournament.KeepAll(),
        s.dynamicRounds() ? new RoundSchedule.Dynamic(s.minRounds(), s.maxRounds(), s.closeMargin(), s.costlyDrop())
            : new RoundSchedule.Fixed(s.shortTermRounds()));
  }

  /** The budget for a base model whose resource is {@code r0}: absolute if set, else a ratio of r0. */
  public double budget(double r0) {
    return config.budgetAbsolute() > 0 ? config.budgetAbsolute() : config.budgetRatio() * r0;
  }

  /** The budget for a base model, checked before any training: it must be reachable and not yet met. */
  public double checkedBudget(Architecture base) {
    for (int layer : config.layers()) {
      if (layer >= base.layers().size() || !base.layers().get(layer).prunable()) {
        String why = layer < base.layers().size() && base.layers().get(layer) instanceof LayerSpec.DepthwiseBn
            ? ": it is a depthwise layer, whose width follows the layer before it" : "";
        throw new FedNasException("search.layers names layer " + layer + ", which is not a prunable layer of "
            + base.name() + why + " (prunable: " + base.prunableLayers() + ")");
      }
    }
    if (generator.layersOf(base).isEmpty()) {
      throw new FedNasException("search.layers names no prunable layer of " + base.name());
    }
    double r0 = metric.of(base);
    double b = budget(r0);
    if (r0 <= b) {
      throw new FedNasException(String.format(Locale.ROOT,
          "the base model already meets the budget: %s = %.4g %s <= budget %.4g (set a smaller search.budgetRatio "
              + "or search.budgetAbsolute)", base.name(), r0, metric.unit(), b));
    }
    double floor = generator.floor(base);
    if (floor > b) {
      throw new FedNasException(String.format(Locale.ROOT,
          "no candidate can reach the budget %.4g %s: with every layer in search.layers at search.minWidth = %d "
              + "the model still needs %.4g (raise the budget, lower search.minWidth or allow more layers)",
          b, metric.unit(), config.minWidth(), floor));
    }
    return b;
  }

  /** Iteration {@code i}'s target: NetAdapt's reduction schedule from the current resource. */
  public double target(double resource, double r0, int i) {
    return resource - config.initialReduction() * r0 * Math.pow(config.decay(), i - 1);
  }

  /** Iterations still needed from resource {@code r} to the budget, by the target schedule (an estimate). */
  public int iterationsLeft(double r, double r0, double budget, int nextIteration) {
    int n = 0;
    for (int i = nextIteration; r > budget && i <= config.maxIterations(); i++, n++) {
      r = target(r, r0, i);
    }
    return n;
  }

  /** Short-term rounds an iteration with {@code k} candidates should take, before any is measured. */
  public int plannedRoundsPerIteration(int k) {
    int s = schedule.first().rounds();
    if (tournament instanceof Tournament.SuccessiveHalving halving) { // it ends once one candidate is left
      s = Math.min(s, halving.rungsToOne(k) * config.rungRounds());
    }
    return config.parallelCandidates() ? s : s * k;
  }

  /** An estimate of the search's rounds from a base model: short-term rounds and the long-term fine-tune. */
  public int plannedRounds(Architecture base) {
    double r0 = metric.of(base);
    return iterationsLeft(r0, r0, budget(r0), 1) * plannedRoundsPerIteration(generator.layersOf(base).size())
        + config.longTermRounds();
  }

  /**
   * How much the selection rule likes a candidate (higher is better): its validation accuracy, or
   * NetAdapt's option, minus the accuracy it lost per unit of resource it removed.
   */
  public double selectionValue(double accuracy, double resource, double currentAccuracy, double currentResource) {
    return switch (config.selection()) {
      case ACCURACY -> accuracy;
      case DROP_PER_RESOURCE -> -(currentAccuracy - accuracy) / Math.max(1e-12, currentResource - resource);
    };
  }
}
