package io.fednas.federated;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The mergeable result of a round's client trainings: the exact weighted sum of their weights
 * (O(parameters), whatever the number of clients) and each client's small metrics record.
 */
public final class RoundUpdate implements Serializable {
  private final FixedPointSum weights;
  private final List<ClientResult> clients;

  RoundUpdate(FixedPointSum weights, List<ClientResult> clients) {
    this.weights = weights;
    this.clients = clients;
  }

  static RoundUpdate of(float[] weights, double share, ClientResult result) {
    List<ClientResult> list = new ArrayList<>();
    list.add(result);
    return new RoundUpdate(FixedPointSum.of(weights, share), list);
  }

  /** Merges {@code other} into this one (Spark hands each value to one merge only). */
  RoundUpdate merge(RoundUpdate other) {
    weights.add(other.weights);
    clients.addAll(other.clients);
    return this;
  }

  public float[] averagedWeights() {
    return weights.toFloats();
  }

  /** The clients' reports, by client id. */
  public List<ClientResult> clients() {
    List<ClientResult> sorted = new ArrayList<>(clients);
    sorted.sort(Comparator.comparingInt(ClientResult::client));
    return sorted;
  }
}
