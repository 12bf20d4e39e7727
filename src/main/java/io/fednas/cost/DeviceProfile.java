package io.fednas.cost;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.fednas.FedNasException;
import io.fednas.model.Architecture;
import io.fednas.model.LayerCost;
import io.fednas.model.ResourceCounter;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A simulated client device: sustained fp32 FLOP/s, a fixed cost per layer, link bandwidth,
 * availability (the chance it is online in a round) and the chance it drops out once sampled. Its latency table is derived: a layer takes forwardFlops / flopsPerSecond +
 * layerOverheadSeconds. Profiles live in {@code conf/devices/NAME.conf}.
 */
public record DeviceProfile(String name, double flopsPerSecond, double layerOverheadSeconds,
    double bandwidthBytesPerSecond, double availability, double dropoutProbability) implements Serializable {

  public DeviceProfile {
    if (!(flopsPerSecond > 0) || !(layerOverheadSeconds >= 0) || !(bandwidthBytesPerSecond > 0)
        || !(availability > 0 && availability <= 1) || !(dropoutProbability >= 0 && dropoutProbability <= 1)) {
      throw new FedNasException("device profile " + name + ": flopsPerSecond and bandwidthBytesPerSecond must be > 0, "
          + "layerOverheadSeconds >= 0, availability in (0, 1], dropoutProbability in [0, 1]");
    }
  }

  /** Loads {@code dir/NAME.conf}; an unknown name lists the profiles that exist. */
  public static DeviceProfile load(Path dir, String name) {
    Path file = dir.resolve(name + ".conf");
    if (!Files.isRegularFile(file)) {
      throw new FedNasException("unknown device profile '" + name + "': no " + file + " (known: " + known(dir) + ")");
    }
    try {
      Config c = ConfigFactory.parseFile(file.toFile());
      return new DeviceProfile(c.getString("name"), c.getDouble("flopsPerSecond"), c.getDouble("layerOverheadSeconds"),
          c.getDouble("bandwidthBytesPerSecond"), c.getDouble("availability"),
          c.hasPath("dropoutProbability") ? c.getDouble("dropoutProbability") : 0.0);
    } catch (ConfigException e) {
      throw new FedNasException("device profile " + file + ": " + e.getMessage());
    }
  }

  static String known(Path dir) {
    try {
      List<String> names = names(dir);
      return names.isEmpty() ? "none" : String.join(", ", names);
    } catch (FedNasException e) {
      return "none: " + dir + " cannot be listed";
    }
  }

  /** The names of the profiles in {@code dir} ({@code NAME.conf} files), sorted. */
  public static List<String> names(Path dir) {
    try (var s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".conf"))
          .map(n -> n.substring(0, n.length() - 5)).sorted().toList();
    } catch (java.io.IOException e) {
      throw new FedNasException("cannot list the device profiles in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Forward latency of one sample, from the per-layer table. */
  public double latencySeconds(Architecture arch) {
    double t = 0;
    for (LayerCost l : ResourceCounter.perLayer(arch)) {
      t += l.forwardFlops() / flopsPerSecond + layerOverheadSeconds;
    }
    return t;
  }

  /** Simulated device time of one client-training: compute, then model down and update up. */
  public double trainingSeconds(long trainFlops, long bytesDown, long bytesUp) {
    return computeSeconds(trainFlops) + transferSeconds(bytesDown + bytesUp);
  }

  public double computeSeconds(long flops) {
    return flops / flopsPerSecond;
  }

  public double transferSeconds(long bytes) {
    return bytes / bandwidthBytesPerSecond;
  }
}
