package io.fednas.federated;

import io.fednas.FedNasException;
import java.io.Serializable;

/**
 * A weighted sum of weight vectors kept in 64-bit fixed point (2^-40 resolution). Integer
 * addition is associative, so the sum is bit-identical whatever order Spark merges partial sums
 * in: the same seed gives the same model on local[1], local[2] or a cluster. Weights are
 * pre-scaled by the client's share of the round's samples, so the sum is the average itself and
 * stays within the weights' own range (|w| below 2^22 is representable with room for the sum).
 */
public final class FixedPointSum implements Serializable {
  static final double SCALE = 0x1p40;
  static final double LIMIT = 0x1p22;
  private final long[] sum;

  private FixedPointSum(long[] sum) {
    this.sum = sum;
  }

  /** {@code share * weights}, e.g. share = n_k / n for FedAvg. */
  public static FixedPointSum of(float[] weights, double share) {
    return new FixedPointSum(new long[weights.length]).addScaled(weights, share);
  }

  /** Adds {@code share * weights} into this sum, without a copy, and returns this. */
  public FixedPointSum addScaled(float[] weights, double share) {
    if (weights.length != sum.length) {
      throw new IllegalArgumentException("cannot add " + weights.length + " weights to a sum of " + sum.length);
    }
    for (int i = 0; i < weights.length; i++) {
      double v = weights[i] * share;
      if (!(Math.abs(v) < LIMIT)) {
        throw new FedNasException("client update has a non-finite or huge value " + weights[i]
            + " at parameter " + i + ": training diverged (lower federated.learningRate)");
      }
      sum[i] += Math.round(v * SCALE);
    }
    return this;
  }

  /** Adds {@code other} into this sum and returns this. */
  public FixedPointSum add(FixedPointSum other) {
    if (other.sum.length != sum.length) {
      throw new IllegalArgumentException("cannot add sums of " + sum.length + " and " + other.sum.length + " parameters");
    }
    for (int i = 0; i < sum.length; i++) {
      sum[i] += other.sum[i];
    }
    return this;
  }

  /** Serialised as bytes (see {@link PrimitiveBytes}): it is a task's result, 8 bytes a parameter. */
  private Object writeReplace() {
    return new Packed(PrimitiveBytes.of(sum));
  }

  private record Packed(byte[] sum) implements Serializable {
    private Object readResolve() {
      return new FixedPointSum(PrimitiveBytes.longs(sum));
    }
  }

  public float[] toFloats() {
    float[] out = new float[sum.length];
    for (int i = 0; i < sum.length; i++) {
      out[i] = (float) (sum[i] / SCALE);
    }
    return out;
  }
}
