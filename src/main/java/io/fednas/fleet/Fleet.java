package io.fednas.fleet;

import io.fednas.config.SimulationConfig;
import io.fednas.cost.DeviceProfile;
import io.fednas.data.Seeds;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The simulated devices behind the clients. Every draw (a client's device and speed, who is online
 * in a round, who drops out and when) comes from its own seed of (run seed, round, client), so a
 * round plays out the same on a resume, a retry or any cluster. Disabled, every client is the
 * search's device, always online and never failing: the ideal fleet that docs/ALGORITHM.md's cost
 * accounting assumes.
 */
public final class Fleet {
  private final SimulationConfig sim;
  private final DeviceProfile[] profiles; // empty: no device model (FedAvg without simulation)
  private final long seed;
  private final int[] trainSizes;
  private final int localEpochs;

  private Fleet(SimulationConfig sim, DeviceProfile[] profiles, long seed, int[] trainSizes, int localEpochs) {
    this.sim = sim;
    this.profiles = profiles;
    this.seed = seed;
    this.trainSizes = trainSizes;
    this.localEpochs = localEpochs;
  }

  /**
   * The fleet a config describes. {@code searchDevice} (may be null) is every client's device when
   * the simulation is off; {@code trainSizes[c]} is client c's number of training samples.
   */
  public static Fleet of(SimulationConfig sim, DeviceProfile searchDevice, Path devicesDir, long seed, int[] trainSizes,
      int localEpochs) {
    DeviceProfile[] profiles;
    if (sim.enabled()) {
      profiles = sim.devices().stream().map(name -> DeviceProfile.load(devicesDir, name)).toArray(DeviceProfile[]::new);
    } else {
      profiles = searchDevice == null ? new DeviceProfile[0] : new DeviceProfile[] {searchDevice};
    }
    return new Fleet(sim, profiles, seed, trainSizes, localEpochs);
  }

  /** One line for the run's log. */
  public String describe() {
    if (!sim.enabled()) {
      return "devices: ideal (simulation.enabled = false): every sampled client trains and reports";
    }
    StringBuilder sb = new StringBuilder("devices: ");
    for (DeviceProfile p : profiles) {
      sb.append(String.format(Locale.ROOT, "%s (online %.0f%%, dropout %.0f%%) ", p.name(), 100 * p.availability(),
          100 * dropoutOf(p)));
    }
    sb.append(String.format(Locale.ROOT, "speed spread %.2gx", sim.speedSpread()));
    if (sim.deadlineSeconds() > 0) {
      sb.append(String.format(Locale.ROOT, ", deadline %.3gs", sim.deadlineSeconds()));
    }
    if (sim.deadlineQuantile() > 0) {
      sb.append(String.format(Locale.ROOT, ", deadline at the %.0fth percentile of each round", 100 * sim.deadlineQuantile()));
    }
    if (sim.overSelection() > 0) {
      sb.append(String.format(Locale.ROOT, ", over-selection %.0f%%", 100 * sim.overSelection()));
    }
    return sb.toString();
  }

  public DeviceProfile deviceOf(int client) {
    return profiles[(int) Math.floorMod(Seeds.derive(seed, Seeds.DEVICE, client), (long) profiles.length)];
  }

  /** A per-client slowdown, log-uniform in [1/spread, spread]: devices of one model still differ. */
  double speedFactorOf(int client) {
    if (!sim.enabled() || sim.speedSpread() == 1.0) {
      return 1.0;
    }
    double u = Seeds.random(seed, Seeds.CLIENT_SPEED, client).nextDouble();
    return Math.exp((2 * u - 1) * Math.log(sim.speedSpread()));
  }

  /**
   * The clients a round samples (sorted): {@code perRound} of all clients; with the simulation on,
   * ceil(perRound x (1 + overSelection)) of the clients online in that round.
   */
  public int[] sample(int round, int clients, int perRound) {
    if (!sim.enabled()) {
      return ClientSampler.sample(seed, round, clients, perRound);
    }
    int[] online = new int[clients];
    int n = 0;
    for (int c = 0; c < clients; c++) {
      if (Seeds.random(seed, Seeds.AVAILABILITY, round, c).nextDouble() < deviceOf(c).availability()) {
        online[n++] = c;
      }
    }
    int want = (int) Math.min(n, Math.ceil(perRound * (1 + sim.overSelection()) - 1e-9));
    int[] picked = ClientSampler.sample(seed, round, n, want);
    int[] out = new int[picked.length];
    for (int i = 0; i < picked.length; i++) {
      out[i] = online[picked[i]];
    }
    Arrays.sort(out);
    return out;
  }

  /** How one sampled client's round went on its device. */
  public record ClientOutcome(int client, int model, long trainFlops, long bytesDown, long bytesUp, double seconds,
      boolean finished, ClientFailure.Kind failure, String detail, double completedFraction) {}

  /** A round on the devices: each client's outcome (in sample order) and the round's simulated duration. */
  public record DeviceRound(List<ClientOutcome> clients, double seconds) {}

  /**
   * Plays a round: client {@code sampled[i]} trains a model of {@code forwardFlops[i]} FLOPs per
   * sample and {@code params[i]} parameters. The round ends at the deadline or once {@code needed}
   * clients have finished; clients that dropped out or were still busy then are failures.
   */
  public DeviceRound play(int round, int[] sampled, int[] modelOf, long[] forwardFlops, long[] params, int needed) {
    int n = sampled.length;
    double[] down = new double[n];
    double[] compute = new double[n];
    double[] total = new double[n];
    long[] flops = new long[n];
    boolean[] dropped = new boolean[n];
    double[] dropAt = new double[n];
    for (int i = 0; i < n; i++) {
      int c = sampled[i];
      flops[i] = io.fednas.cost.CostLedger.trainFlops(forwardFlops[i], trainSizes[c], localEpochs);
      if (profiles.length > 0) {
        DeviceProfile p = deviceOf(c);
        double s = speedFactorOf(c);
        down[i] = p.transferSeconds(4 * params[i]) * s; // the update going up is as large as the model
        compute[i] = p.computeSeconds(flops[i]) * s;
        total[i] = down[i] + compute[i] + down[i];
        if (sim.enabled()) {
          SplittableRandom r = Seeds.random(seed, Seeds.DROPOUT, round, c);
          dropped[i] = r.nextDouble() < dropoutOf(p);
          dropAt[i] = r.nextDouble();
        }
      }
    }
    double end = roundEnd(total, dropped, needed);
    List<ClientOutcome> out = new ArrayList<>(n);
    double seconds = 0;
    for (int i = 0; i < n; i++) {
      long bytes = 4 * params[i];
      if (dropped[i]) {
        out.add(new ClientOutcome(sampled[i], modelOf[i], flops[i], bytes, 0, down[i] + dropAt[i] * compute[i], false,
            ClientFailure.Kind.DROPPED, String.format(Locale.ROOT, "dropped out after %.0f%% of its training", 100 * dropAt[i]),
            dropAt[i]));
        seconds = Math.max(seconds, Math.min(end, down[i] + dropAt[i] * compute[i]));
      } else if (total[i] > end) {
        double done = compute[i] == 0 ? 0 : Math.max(0, Math.min(1, (end - down[i]) / compute[i]));
        out.add(new ClientOutcome(sampled[i], modelOf[i], flops[i], bytes, 0, total[i], false,
            ClientFailure.Kind.MISSED_DEADLINE, String.format(Locale.ROOT, "needed %.3gs, the round ended at %.3gs", total[i], end),
            done));
        seconds = Math.max(seconds, end);
      } else {
        out.add(new ClientOutcome(sampled[i], modelOf[i], flops[i], bytes, bytes, total[i], true, null, null, 1.0));
        seconds = Math.max(seconds, total[i]);
      }
    }
    return new DeviceRound(out, seconds);
  }

  /** The earlier of the deadline and the moment the {@code needed}-th update is in. */
  private double roundEnd(double[] total, boolean[] dropped, int needed) {
    if (!sim.enabled()) {
      return Double.POSITIVE_INFINITY;
    }
    double end = sim.deadlineSeconds() > 0 ? sim.deadlineSeconds() : Double.POSITIVE_INFINITY;
    if (sim.deadlineQuantile() > 0 && total.length > 0) {
      // the server sets the deadline from the devices it sampled, before it knows who drops out
      double[] sorted = total.clone();
      Arrays.sort(sorted);
      int idx = Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(sim.deadlineQuantile() * sorted.length) - 1));
      end = Math.min(end, sorted[idx]);
    }
    double[] finishing = new double[total.length];
    int k = 0;
    for (int i = 0; i < total.length; i++) {
      if (!dropped[i]) {
        finishing[k++] = total[i];
      }
    }
    if (needed > 0 && k >= needed) {
      double[] f = Arrays.copyOf(finishing, k);
      Arrays.sort(f);
      end = Math.min(end, f[needed - 1]);
    }
    return end;
  }

  private double dropoutOf(DeviceProfile p) {
    return sim.dropout() >= 0 ? sim.dropout() : p.dropoutProbability();
  }
}
