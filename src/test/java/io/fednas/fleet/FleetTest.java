package io.fednas.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fednas.config.SimulationConfig;
import io.fednas.cost.DeviceProfile;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The simulated devices: who is online, who drops out, where the deadline cuts, over-selection. */
class FleetTest {
  private static final Path DEVICES = Path.of("conf/devices");
  private static final int CLIENTS = 200;

  private static int[] sizes() {
    int[] s = new int[CLIENTS];
    Arrays.setAll(s, c -> 100 + 7 * c % 500); // unequal clients: unequal training times
    return s;
  }

  private static Fleet fleet(double dropout, double deadlineQuantile, double overSelection) {
    SimulationConfig sim = new SimulationConfig(true, List.of("phone-low", "phone-high", "edge-silo"), dropout, 2.0, 0,
        deadlineQuantile, overSelection);
    return Fleet.of(sim, null, DEVICES, 42, sizes(), 1);
  }

  private static Fleet.DeviceRound play(Fleet f, int round, int[] sampled, int needed) {
    long[] flops = new long[sampled.length];
    long[] params = new long[sampled.length];
    Arrays.fill(flops, 4_600_720L);
    Arrays.fill(params, 431_080L);
    return f.play(round, sampled, new int[sampled.length], flops, params, needed);
  }

  @Test
  void offlineClientsAreNeverSampledAndSamplingIsSeeded() {
    Fleet f = fleet(0, 0, 0);
    for (int round = 1; round <= 20; round++) {
      int[] a = f.sample(round, CLIENTS, 10);
      assertEquals(10, a.length);
      assertTrue(Arrays.equals(a, fleet(0, 0, 0).sample(round, CLIENTS, 10)), "same seed, same sample");
      assertEquals(10, Arrays.stream(a).distinct().count());
    }
    // online shares follow the profiles' availability: 0.6, 0.8 and 1.0
    int[] sampledByProfile = new int[3];
    int[] clientsByProfile = new int[3];
    List<String> names = List.of("phone-low", "phone-high", "edge-silo");
    for (int c = 0; c < CLIENTS; c++) {
      clientsByProfile[names.indexOf(f.deviceOf(c).name())]++;
    }
    for (int round = 1; round <= 400; round++) {
      for (int c : f.sample(round, CLIENTS, CLIENTS)) { // everyone online is sampled
        sampledByProfile[names.indexOf(f.deviceOf(c).name())]++;
      }
    }
    double[] want = {0.6, 0.8, 1.0};
    for (int p = 0; p < 3; p++) {
      double online = sampledByProfile[p] / (400.0 * clientsByProfile[p]);
      assertEquals(want[p], online, 0.03, names.get(p) + " online share");
    }
  }

  @Test
  void aboutTheConfiguredShareDropsOutAndFailedClientsDidPartOfTheirTraining() {
    Fleet f = fleet(0.3, 0, 0);
    int dropped = 0;
    int total = 0;
    for (int round = 1; round <= 300; round++) {
      int[] s = f.sample(round, CLIENTS, 10);
      for (Fleet.ClientOutcome o : play(f, round, s, 10).clients()) {
        total++;
        if (ClientFailure.Kind.DROPPED.equals(o.failure())) {
          dropped++;
          assertTrue(o.completedFraction() >= 0 && o.completedFraction() < 1);
          assertEquals(0, o.bytesUp(), "a dropped client uploads nothing");
        } else {
          assertTrue(o.finished(), "no deadline, no over-selection: the others finish");
        }
      }
    }
    assertEquals(0.3, (double) dropped / total, 0.03);
  }

  @Test
  void aQuantileDeadlineCutsTheSlowestTenPercent() {
    Fleet f = fleet(0, 0.9, 0);
    for (int round = 1; round <= 50; round++) {
      int[] s = f.sample(round, CLIENTS, 10);
      Fleet.DeviceRound r = play(f, round, s, 10);
      List<Fleet.ClientOutcome> missed = r.clients().stream().filter(o -> !o.finished()).toList();
      assertEquals(1, missed.size(), "round " + round);
      Fleet.ClientOutcome slowest = r.clients().stream().max((a, b) -> Double.compare(a.seconds(), b.seconds())).get();
      assertEquals(slowest.client(), missed.get(0).client());
      assertEquals(ClientFailure.Kind.MISSED_DEADLINE, slowest.failure());
      assertTrue(slowest.completedFraction() >= 0 && slowest.completedFraction() <= 1);
      assertTrue(r.seconds() < slowest.seconds(), "the round ends at the deadline");
    }
  }

  @Test
  void withOverSelectionTheFirstClientsToFinishCountAndTheRestAreCut() {
    Fleet f = fleet(0, 0, 0.5);
    int[] s = f.sample(7, CLIENTS, 10);
    assertEquals(15, s.length);
    Fleet.DeviceRound r = play(f, 7, s, 10);
    List<Fleet.ClientOutcome> finished = r.clients().stream().filter(Fleet.ClientOutcome::finished).toList();
    assertEquals(10, finished.size());
    double lastFinisher = finished.stream().mapToDouble(Fleet.ClientOutcome::seconds).max().getAsDouble();
    for (Fleet.ClientOutcome o : r.clients()) {
      assertEquals(o.finished(), o.seconds() <= lastFinisher, "client " + o.client());
    }
    assertEquals(lastFinisher, r.seconds(), 1e-12);
  }

  @Test
  void switchedOffEveryClientIsTheSearchDeviceAndFinishes() {
    SimulationConfig off = new SimulationConfig(false, List.of(), -1, 2.0, 5, 0.5, 1.0);
    DeviceProfile phone = DeviceProfile.load(DEVICES, "phone-low");
    Fleet f = Fleet.of(off, phone, DEVICES, 42, sizes(), 1);
    int[] s = f.sample(3, CLIENTS, 10);
    assertEquals(10, s.length);
    Fleet.DeviceRound r = play(f, 3, s, 10);
    Set<Integer> ids = new HashSet<>();
    double slowest = 0;
    for (Fleet.ClientOutcome o : r.clients()) {
      assertTrue(o.finished());
      ids.add(o.client());
      slowest = Math.max(slowest, phone.trainingSeconds(o.trainFlops(), o.bytesDown(), o.bytesUp()));
    }
    assertEquals(10, ids.size());
    assertEquals(slowest, r.seconds(), 1e-9 * slowest);
  }
}
