package io.fednas.federated;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The mergeable result of a round's client trainings for one model: the exact weighted sum of the
 * accepted clients' weights (O(parameters), whatever the number of clients) and every client's
 * small report, rejected ones included.
 */
public final class RoundUpdate implements Serializable {
  private FixedPointSum weights; // null while no accepted update has been merged in
  private final List<ClientResult> clients;

  RoundUpdate(FixedPointSum weights, List<ClientResult> clients) {
    this.weights = weights;
    this.clients = clients;
  }

  static RoundUpdate of(float[] weights, ClientResult result) {
    return new RoundUpdate(null, new ArrayList<>()).add(weights, result);
  }

  /** Adds one more client's weights and report to this sum. */
  RoundUpdate add(float[] weights, ClientResult result) {
    if (result.accepted()) {
      if (this.weights == null) {
        this.weights = FixedPointSum.of(weights, result.share());
      } else {
        this.weights.addScaled(weights, result.share());
      }
    }
    clients.add(result);
    return this;
  }

  /** Merges {@code other} into this one (Spark hands each value to one merge only). */
  RoundUpdate merge(RoundUpdate other) {
    if (weights == null) {
      weights = other.weights;
    } else if (other.weights != null) {
      weights.add(other.weights);
    }
    clients.addAll(other.clients);
    return this;
  }

  /**
   * The FedAvg of the accepted updates, or null when none was accepted. Shares were n_k / n over
   * every trained client; with some rejected, the sum is renormalised by the accepted shares,
   * added in client order so the result does not depend on Spark's merge order.
   */
  public float[] averagedWeights() {
    if (weights == null) {
      return null;
    }
    float[] w = weights.toFloats();
    List<ClientResult> all = clients();
    if (all.stream().allMatch(ClientResult::accepted)) {
      return w;
    }
    double share = 0;
    for (ClientResult r : all) {
      share += r.accepted() ? r.share() : 0;
    }
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (w[i] / share);
    }
    return w;
  }

  /** The clients' reports, by client id. */
  public List<ClientResult> clients() {
    List<ClientResult> sorted = new ArrayList<>(clients);
    sorted.sort(Comparator.comparingInt(ClientResult::client));
    return sorted;
  }
}
