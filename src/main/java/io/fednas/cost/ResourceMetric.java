package io.fednas.cost;

import io.fednas.model.Architecture;
import io.fednas.model.ResourceCounter;

/** What the search's budget is measured in: forward FLOPs, parameters, or latency on a device. */
public sealed interface ResourceMetric {
  double of(Architecture arch);

  String unit();

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
