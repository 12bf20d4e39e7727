package io.fednas.registry;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.fednas.FedNasException;
import java.nio.file.Path;

/**
 * What a device can run: a latency, FLOPs and parameter bound (each optional: infinite when absent),
 * from a device profile's {@code maxLatencyMs}, {@code maxFlops} and {@code maxParams} keys or
 * from the selector's flags.
 */
public record DeviceLimits(double maxLatencyMs, double maxFlops, double maxParams) {
  public static final DeviceLimits NONE = new DeviceLimits(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY,
      Double.POSITIVE_INFINITY);

  /** The limits a device profile file declares. */
  public static DeviceLimits of(Path profile) {
    try {
      Config c = ConfigFactory.parseFile(profile.toFile());
      return new DeviceLimits(bound(c, "maxLatencyMs", profile), bound(c, "maxFlops", profile),
          bound(c, "maxParams", profile));
    } catch (ConfigException e) {
      throw new FedNasException("device profile " + profile + ": " + e.getMessage());
    }
  }

  private static double bound(Config c, String key, Path profile) {
    if (!c.hasPath(key)) {
      return Double.POSITIVE_INFINITY;
    }
    double v = c.getDouble(key);
    if (!(v > 0)) {
      throw new FedNasException("device profile " + profile + ": " + key + " = " + v + " must be > 0");
    }
    return v;
  }

  /** These limits with {@code key}'s bound replaced by a flag's value ({@code text}, checked). */
  public DeviceLimits with(String key, String text) {
    double v;
    try {
      v = Double.parseDouble(text);
    } catch (NumberFormatException e) {
      v = Double.NaN;
    }
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new FedNasException(key + " " + text + ": expected a number > 0");
    }
    return switch (key) {
      case "--max-latency-ms" -> new DeviceLimits(v, maxFlops, maxParams);
      case "--max-flops" -> new DeviceLimits(maxLatencyMs, v, maxParams);
      case "--max-params" -> new DeviceLimits(maxLatencyMs, maxFlops, v);
      default -> throw new IllegalArgumentException(key);
    };
  }

  /**
   * How far a model is over these limits: the largest ratio of its figure to the bound (at most 1
   * when it fits), so the model closest to fitting has the smallest.
   */
  public double excess(double latencyMs, long flops, long params) {
    return Math.max(latencyMs / maxLatencyMs, Math.max(flops / maxFlops, params / maxParams));
  }

  public String describe() {
    StringBuilder s = new StringBuilder();
    append(s, "latency <= ", maxLatencyMs, " ms");
    append(s, "FLOPs <= ", maxFlops, "");
    append(s, "parameters <= ", maxParams, "");
    return s.length() == 0 ? "no limits" : s.toString();
  }

  private static void append(StringBuilder s, String what, double bound, String unit) {
    if (!Double.isInfinite(bound)) {
      s.append(s.length() == 0 ? "" : ", ").append(what).append(bound == Math.rint(bound) && bound < 1e15
          ? String.format(java.util.Locale.ROOT, "%,d", (long) bound) : String.valueOf(bound)).append(unit);
    }
  }
}
