package io.fednas.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fednas.FedNasException;
import io.fednas.cost.DeviceProfile;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code submit-scripts/select-model.sh RUN_DIR --device PROFILE.conf [--max-latency-ms L]
 * [--max-flops F] [--max-params P]}: prints the model of a run's registry to deploy on that device,
 * as one JSON line. Bad input and a device no model fits exit 2 with a message, writing nothing.
 */
public final class SelectModel {
  static final String USAGE = "usage: select-model.sh RUN_DIR --device conf/devices/NAME.conf [--max-latency-ms L] "
      + "[--max-flops F] [--max-params P]";

  private SelectModel() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Returns the exit status (0, or 2 with the reason on {@code err}). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    try {
      out.println(select(args).toString());
      return 0;
    } catch (FedNasException e) {
      err.println("select-model.sh: " + e.getMessage());
      return 2;
    }
  }

  static ObjectNode select(String[] args) {
    if (args.length == 0 || args[0].startsWith("--")) {
      throw new FedNasException("the run directory comes first\n" + USAGE);
    }
    Path runDir = Path.of(args[0]);
    Path device = null;
    Map<String, String> flags = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      String flag = args[i];
      if (!flag.equals("--device") && !flag.equals("--max-latency-ms") && !flag.equals("--max-flops")
          && !flag.equals("--max-params")) {
        throw new FedNasException("unknown argument '" + flag + "'\n" + USAGE);
      }
      if (i + 1 >= args.length) {
        throw new FedNasException(flag + " needs a value\n" + USAGE);
      }
      if (flag.equals("--device")) {
        device = Path.of(args[++i]);
      } else {
        flags.put(flag, args[++i]);
      }
    }
    if (device == null) {
      throw new FedNasException("--device is required\n" + USAGE);
    }
    if (!Files.isRegularFile(device) || !device.getFileName().toString().endsWith(".conf")) {
      throw new FedNasException("--device " + device + ": no such device profile (a .conf file like "
          + "conf/devices/phone-low.conf)");
    }
    String name = device.getFileName().toString().replaceFirst("\\.conf$", "");
    DeviceProfile profile = DeviceProfile.load(device.toAbsolutePath().getParent(), name);
    DeviceLimits limits = DeviceLimits.of(device);
    for (Map.Entry<String, String> f : flags.entrySet()) {
      limits = limits.with(f.getKey(), f.getValue());
    }
    ModelRegistry.Registry registry = ModelRegistry.read(runDir);
    registry.models().forEach(e -> ModelRegistry.verify(registry, e));
    Map<String, Double> latency = new HashMap<>();
    for (RegistryEntry e : registry.models()) {
      latency.put(e.id(), profile.latencySeconds(ModelRegistry.architecture(registry, e)) * 1000);
    }
    DeploymentSelector.Choice c = DeploymentSelector.choose(registry.models(), e -> latency.get(e.id()), limits,
        profile.name());
    RegistryEntry e = c.entry();
    ObjectNode line = ModelRegistry.JSON.createObjectNode();
    line.put("device", profile.name());
    line.put("model", e.id());
    line.put("path", registry.runDir().resolve(ModelRegistry.DIR).resolve(e.modelFile()).toAbsolutePath().toString());
    line.put("architecture", e.architecture());
    line.put("validation_accuracy", e.validationAccuracy());
    line.put("test_accuracy", e.testAccuracy());
    line.put("latency_ms", c.latencyMs());
    line.put("flops", e.flops());
    line.put("params", e.params());
    line.put("limits", limits.describe());
    return line;
  }
}
