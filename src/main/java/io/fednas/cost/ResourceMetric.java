package io.fednas.cost;

import io.fednas.config.Metric;
import io.fednas.model.Architecture;
import io.fednas.model.ResourceCounter;

/** What the search's budget is measured in: forward FLOPs, parameters, or latency on a device. */
public sealed interface ResourceMetric {
  double of(Architecture arch);

  String unit();

  /** The metric a config chose; {@code device} is the search's device profile (latency is measured on it). */
  static ResourceMetric of(Metric metric, DeviceProfile device) {
    return switch (metric) {
      case FLOPS -> new Flops();
      case PARAMS -> new Params();
      case LATENCY -> new Latency(device);
    };
  }

  record Flops() implements ResourceMetric {
    @Override
    public double of(Architecture arch) {
      return ResourceCounter.forwardFlops(arch);
    }

    @Override
    public String unit() {
      return "FLOPs";
    }
  }

  record Params() implements ResourceMetric {
    @Override
    public double of(Architecture arch) {
      return ResourceCounter.params(arch);
    }

    @Override
    public String unit() {
      return "parameters";
    }
  }

  record Latency(DeviceProfile device) implements ResourceMetric {
    @Override
    public double of(Architecture arch) {
      return device.latencySeconds(arch);
    }

    @Override
    public String unit() {
      return "seconds on " + device.name();
    }
  }
}
