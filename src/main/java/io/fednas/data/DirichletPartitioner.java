package io.fednas.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Label skew: for each class, the shares of the clients are drawn from Dirichlet(alpha) and the
 * class's samples are cut accordingly (as in FedML and NIID-Bench). Redrawn until every client
 * holds at least {@code minSamples}.
 */
public record DirichletPartitioner(double alpha, int minSamples) implements Partitioner {
  static final int MAX_DRAWS = 1000;

  @Override
  public int[][] split(int[] labels, int numClasses, int clients, SplittableRandom rng) {
    if ((long) clients * minSamples > labels.length) {
      throw new DataFormatError("cannot give " + clients + " clients " + minSamples
          + " samples each (data.minClientSamples) from " + labels.length + " samples");
    }
    int[][] byClass = new int[numClasses][];
    for (int k = 0; k < numClasses; k++) {
      final int cls = k;
      byClass[k] = java.util.stream.IntStream.range(0, labels.length).filter(i -> labels[i] == cls).toArray();
    }
    for (int draw = 0; draw < MAX_DRAWS; draw++) {
      List<List<Integer>> perClient = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        perClient.add(new ArrayList<>());
      }
      for (int k = 0; k < numClasses; k++) {
        int[] idx = byClass[k].clone();
        Seeds.shuffle(idx, rng);
        double[] p = dirichlet(clients, rng);
        // cut points at the cumulative shares
        double acc = 0;
        int from = 0;
        for (int c = 0; c < clients; c++) {
          acc += p[c];
          int to = c == clients - 1 ? idx.length : (int) Math.min(idx.length, Math.round(acc * idx.length));
          for (int i = from; i < to; i++) {
            perClient.get(c).add(idx[i]);
          }
          from = Math.max(from, to);
        }
      }
      if (perClient.stream().allMatch(l -> l.size() >= minSamples)) {
        return Partitioner.sorted(perClient);
      }
    }
    throw new DataFormatError("Dirichlet partition with alpha " + alpha + " gave some client fewer than "
        + minSamples + " samples in " + MAX_DRAWS + " draws: raise data.dirichletAlpha, lower "
        + "data.minClientSamples or use fewer clients");
  }

  private double[] dirichlet(int n, SplittableRandom rng) {
    double[] g = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      g[i] = gamma(alpha, rng);
      sum += g[i];
    }
    if (sum == 0) {
      Arrays.fill(g, 1.0 / n);
      return g;
    }
    for (int i = 0; i < n; i++) {
      g[i] /= sum;
    }
    return g;
  }

  /** Gamma(shape, 1) by Marsaglia and Tsang; shapes below 1 through the boost U^(1/shape). */
  static double gamma(double shape, SplittableRandom rng) {
    if (shape < 1) {
      double u = rng.nextDouble();
      return gamma(shape + 1, rng) * Math.pow(u, 1.0 / shape);
    }
    double d = shape - 1.0 / 3;
    double c = 1 / Math.sqrt(9 * d);
    while (true) {
      double x = gaussian(rng);
      double v = 1 + c * x;
      if (v <= 0) {
        continue;
      }
      v = v * v * v;
      double u = rng.nextDouble();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
        return d * v;
      }
    }
  }

  /** Standard normal by Box-Muller (SplittableRandom has no nextGaussian on Java 17). */
  static double gaussian(SplittableRandom rng) {
    double u1 = rng.nextDouble();
    double u2 = rng.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  }
}
