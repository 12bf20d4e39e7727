package io.fednas.federated;

import java.util.Locale;

/**
 * The server's check of one client update, and the client's clipping of it, run where the update
 * is computed (on the executor).
 */
final class UpdateCheck {
  private UpdateCheck() {}

  /**
   * Why the update from {@code global} to {@code updated} must be rejected, or null: a NaN, infinite
   * or diverged (|w| >= 2^22) weight always; an L2 norm of the difference above {@code maxNorm} when
   * maxNorm > 0. An accepted update longer than {@code clipNorm} > 0 is scaled down to it in place,
   * as DP-FedAvg's clients do (privacy.clipNorm), from the norm this one pass measured.
   */
  static String checkAndClip(float[] global, float[] updated, double maxNorm, double clipNorm) {
    double sq = 0;
    for (int i = 0; i < updated.length; i++) {
      float w = updated[i];
      if (!Float.isFinite(w)) {
        return "non-finite weight " + w + " at parameter " + i;
      }
      if (Math.abs(w) >= FixedPointSum.LIMIT) { // beyond what the exact sum can hold: training diverged
        return "weight " + w + " at parameter " + i + " beyond +-2^22";
      }
      double d = (double) w - global[i];
      sq += d * d;
    }
    double norm = Math.sqrt(sq);
    if (maxNorm > 0 && norm > maxNorm) {
      return String.format(Locale.ROOT, "update norm %.4g > faults.maxUpdateNorm %.4g", norm, maxNorm);
    }
    if (clipNorm > 0 && norm > clipNorm) {
      double scale = clipNorm / norm;
      for (int i = 0; i < updated.length; i++) {
        updated[i] = (float) (global[i] + ((double) updated[i] - global[i]) * scale);
      }
    }
    return null;
  }
}
