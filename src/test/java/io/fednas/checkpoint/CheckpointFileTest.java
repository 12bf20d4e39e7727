package io.fednas.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fednas.FedNasException;
import io.fednas.federated.ModelState;
import io.fednas.federated.RoundMetrics;
import io.fednas.federated.RoundRunner;
import io.fednas.fleet.ClientFailure;
import io.fednas.model.Architecture;
import io.fednas.model.LayerSpec.Conv;
import io.fednas.model.LayerSpec.Dense;
import io.fednas.model.LayerSpec.MaxPool;
import io.fednas.search.Candidate;
import io.fednas.search.IterationRecord;
import io.fednas.search.RoundSchedule;
import io.fednas.search.SearchLoop;
import io.fednas.search.SearchSnapshot;
import io.fednas.search.TournamentRecord;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** checkpoint.bin's format: exact round trip, its documented fields, and clear refusals of other versions. */
class CheckpointFileTest {
  private static final Architecture ARCH = new Architecture("t", 1, 8, 8, 3, List.of(
      new Conv(4, 3, 1, true), new MaxPool(2, 2), new Dense(5)));

  private static ModelState model(Architecture a, float seed) {
    float[] w = new float[(int) io.fednas.model.ResourceCounter.params(a)];
    for (int i = 0; i < w.length; i++) {
      w[i] = seed * (i - w.length / 2f) / 7f;
    }
    w[0] = Float.MIN_VALUE; // exact bits survive, not decimal approximations
    w[1] = -0f;
    return new ModelState(a, w);
  }

  /** A state with every part filled in: a search in the middle of an iteration, NaN scores, failures. */
  static RunState everyPart() {
    Architecture narrow = ARCH.withWidth(0, 3);
    ModelState base = model(ARCH, 1);
    Candidate c0 = new Candidate(0, 0, 3, narrow, model(narrow, 2).weights(), 1234.5);
    Candidate c1 = new Candidate(1, 2, 4, ARCH.withWidth(2, 4), model(ARCH.withWidth(2, 4), 3).weights(), 1300);
    IterationRecord base0 = new IterationRecord(0, 2000, 0, List.of(), List.of(3), -1, -1, ARCH.describe(), 2000, 99,
        2000, 0.5, 0, "base model", 10, 20, 30, 0.25, 40, 50, 0.4);
    TournamentRecord t = new TournamentRecord(1, 2, 1, 2, 4, 0.75, TournamentRecord.DROPPED, 0.7,
        io.fednas.search.CutFeatures.of(1, ARCH, 2, 4, 0.5, 0.01, 0.02));
    SearchSnapshot.IterationSnapshot it = new SearchSnapshot.IterationSnapshot(List.of(c0, c1), 1500.25, 4, 16,
        new TreeMap<>(Map.of(0, model(narrow, 5))), new TreeMap<>(Map.of(0, 0.8, 1, 0.75)),
        new TreeMap<>(Map.of(0, 0.81)), List.of(1), 2, 1, false, new TreeMap<>(Map.of(0, 0.79, 1, 0.7, 3, 0.6)),
        List.of(3));
    SearchSnapshot search = new SearchSnapshot(17, 19, 2000, 1000, 3.5, 2, 1, List.of(t), List.of(base0),
        List.of(new io.fednas.search.CurvePoint(16, base)), 1, base,
        0.5, new RoundSchedule.Decision(4, "start at minRounds"), 0, it, false, false);
    SearchLoop.Result searched = new SearchLoop.Result(base, List.of(base0),
        List.of(new io.fednas.search.CurvePoint(16, base)), 3, 2, 1, 3.5, List.of(t), 1000, false);
    RoundMetrics m = new RoundMetrics(19, 10, 9, 1, "7", 600, 0.5, 0.9, 0.3, Double.NaN, Double.NaN, 1.5, 1.0, 2.0,
        0.9, 0.1, Double.POSITIVE_INFINITY, 100, 200, 300, 10, 1.25);
    return new RunState("seed = 1\nmode = fednas", RunState.Phase.SEARCH, 19, base, false, 0.5, 16, search, searched,
        new io.fednas.cost.CostLedger.Snapshot(new long[] {1, 2}, new long[] {0, 1}, new long[] {10, 20},
            new long[] {3, 4}, new long[] {5, 6}, new long[] {7, 8}, new long[] {0, 9}),
        List.of(m), new RoundRunner.State(List.of(new ClientFailure(19, 7, 1, ClientFailure.Kind.MISSED_DEADLINE,
            "needed 3s", 0.5)), 0), 42.5);
  }

  @Test
  void aStateComesBackExactly(@TempDir Path dir) throws Exception {
    RunState s = everyPart();
    CheckpointFile.write(dir, s);
    RunState back = CheckpointFile.read(dir);
    assertEquals(CheckpointFile.JSON.writeValueAsString(s), CheckpointFile.JSON.writeValueAsString(back));
    assertArrayEquals(s.model().weights(), back.model().weights());
    assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(back.model().weights()[1]));
    assertTrue(Double.isNaN(back.metrics().get(0).testAccuracy()));
    assertEquals(Double.POSITIVE_INFINITY, back.metrics().get(0).simulatedRoundSeconds());
    assertEquals(ClientFailure.Kind.MISSED_DEADLINE, back.rounds().failures().get(0).kind());
    assertArrayEquals(s.search().inProgress().live().get(0).weights(), back.search().inProgress().live().get(0).weights());
    assertEquals(1500.25, back.search().inProgress().target());
    // the search continues from what was read: its state snapshots back to the same values
    assertEquals(CheckpointFile.JSON.writeValueAsString(s.search()),
        CheckpointFile.JSON.writeValueAsString(SearchLoop.State.of(back.search()).snapshot()));
  }

  @Test
  void everyFieldOfTheFormatIsDocumented(@TempDir Path dir) throws Exception {
    CheckpointFile.write(dir, everyPart());
    JsonNode doc = CheckpointFile.JSON.readTree(dir.resolve(CheckpointFile.NAME).toFile());
    Set<String> paths = new TreeSet<>();
    collect(doc, "", paths);
    Set<String> fields = new TreeSet<>(); // the docs describe each record once, wherever it is nested
    for (String p : paths) {
      String last = p.substring(p.lastIndexOf('.') + 1).replace("[]", "");
      if (!last.equals("<id>")) {
        fields.add(last);
      }
    }
    assertTrue(fields.size() > 80, "the sample state fills every record: " + fields);
    String docs = Files.readString(Path.of("docs/CHECKPOINTS.md"));
    List<String> missing = fields.stream().filter(f -> !docs.contains("`" + f + "`")).toList();
    assertEquals(List.of(), missing, "fields of checkpoint format " + CheckpointFile.VERSION + " that docs/CHECKPOINTS.md "
        + "does not list: a record a checkpoint holds has changed. Raise CheckpointFile.VERSION and document the fields");
  }

  /** Field paths, dot-separated; map keys (ids) as {@code <id>}, array elements as {@code []}. */
  private static void collect(JsonNode n, String path, Set<String> out) {
    if (n.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String key = e.getKey().matches("\\d+") ? "<id>" : e.getKey();
        String p = path.isEmpty() ? key : path + "." + key;
        out.add(p);
        collect(e.getValue(), p, out);
      }
    } else if (n.isArray()) {
      n.forEach(e -> collect(e, path + "[]", out));
    }
  }

  @Test
  void aCheckpointOfTheFormerJavaSerializedFormatIsRefusedNamingBothVersions(@TempDir Path dir) throws Exception {
    // what format 2 began with: Java serialization's stream header, then its name
    try (OutputStream os = Files.newOutputStream(dir.resolve(CheckpointFile.NAME));
        ObjectOutputStream out = new ObjectOutputStream(os)) {
      out.writeUTF("fednas-checkpoint-2");
      out.writeObject(List.of(1, 2));
    }
    FedNasException e = assertThrows(FedNasException.class, () -> CheckpointFile.read(dir));
    assertTrue(e.getMessage().contains("format version 1 or 2") && e.getMessage().contains("version 8 only"),
        e.getMessage());
    assertTrue(e.getMessage().contains(dir.resolve(CheckpointFile.NAME).toString()), e.getMessage());
  }

  @Test
  void aNewerOlderOrForeignFileIsRefusedNamingWhatItIs(@TempDir Path dir) throws Exception {
    Path file = dir.resolve(CheckpointFile.NAME);
    Files.writeString(file, "{\"format\": \"fednas-checkpoint\", \"version\": 9, \"state\": {}}");
    assertTrue(assertThrows(FedNasException.class, () -> CheckpointFile.read(dir)).getMessage()
        .contains("format version 9, written by a newer FedNAS-Spark; this one reads version 8"));
    // version 3: the same JSON, without the checksum
    Files.writeString(file, "{\"format\":\"fednas-checkpoint\",\"version\":3,\"state\":"
        + CheckpointFile.JSON.writeValueAsString(everyPart()) + "}");
    String older = assertThrows(FedNasException.class, () -> CheckpointFile.read(dir)).getMessage();
    assertTrue(older.contains(file + " is a checkpoint of format version 3; this FedNAS-Spark reads version 8 only"),
        older);
    Files.writeString(file, "{\"something\": \"else\"}");
    assertTrue(assertThrows(FedNasException.class, () -> CheckpointFile.read(dir)).getMessage()
        .contains("is not a FedNAS-Spark checkpoint"));
  }

  @Test
  void flippedBytesOrATruncationAreRefusedNamingTheFileAndTheCheck(@TempDir Path dir) throws Exception {
    Path file = dir.resolve(CheckpointFile.NAME);
    CheckpointFile.write(dir, everyPart());
    byte[] whole = Files.readAllBytes(file);
    // 64 bytes in the middle, as a bad disk or a partial copy would: still valid JSON, other weights
    byte[] flipped = whole.clone();
    for (int i = whole.length / 2; i < whole.length / 2 + 64; i++) {
      flipped[i] = (byte) (flipped[i] == 'A' ? 'B' : 'A');
    }
    Files.write(file, flipped);
    String damaged = assertThrows(FedNasException.class, () -> CheckpointFile.read(dir)).getMessage();
    assertTrue(damaged.startsWith("the checkpoint " + file + " is damaged: the SHA-256 of its first "), damaged);
    for (int keep : new int[] {0, 1, whole.length / 2, whole.length - 1}) {
      Files.write(file, java.util.Arrays.copyOf(whole, keep));
      String truncated = assertThrows(FedNasException.class, () -> CheckpointFile.read(dir)).getMessage();
      assertTrue(truncated.contains(file + " is truncated or damaged: it does not end with its checksum (" + keep
          + " bytes)"), truncated);
    }
    Files.write(file, whole);
    assertEquals(CheckpointFile.JSON.writeValueAsString(everyPart()),
        CheckpointFile.JSON.writeValueAsString(CheckpointFile.read(dir)));
  }

  @Test
  void aResumeFallsBackOneGenerationWhenTheNewestIsDamagedAndOnlyThen(@TempDir Path dir) throws Exception {
    RunState older = everyPart();
    RunState newer = older.withPhase(RunState.Phase.LONG_TERM);
    CheckpointFile.write(dir, older);
    CheckpointFile.write(dir, newer);
    assertEquals(RunState.Phase.LONG_TERM, CheckpointFile.readForResume(dir).state().phase());
    assertEquals(null, CheckpointFile.readForResume(dir).fallback());

    Path newest = dir.resolve(CheckpointFile.NAME);
    byte[] good = Files.readAllBytes(newest);
    byte[] bad = good.clone();
    bad[bad.length / 3] ^= 1;
    Files.write(newest, bad);
    CheckpointFile.Resumed r = CheckpointFile.readForResume(dir);
    assertEquals(RunState.Phase.SEARCH, r.state().phase());
    assertTrue(r.fallback().contains("is damaged: the SHA-256") && r.fallback().contains("kept as "
        + CheckpointFile.DAMAGED) && r.fallback().endsWith("resuming from the previous generation, "
        + CheckpointFile.PREVIOUS + ", after round 19"), r.fallback());
    assertArrayEquals(bad, Files.readAllBytes(dir.resolve(CheckpointFile.DAMAGED)), "the damaged file is kept");

    // both generations damaged: refused, naming both, nothing moved
    Files.write(newest, bad);
    Files.write(dir.resolve(CheckpointFile.PREVIOUS), new byte[] {'{'});
    String both = assertThrows(FedNasException.class, () -> CheckpointFile.readForResume(dir)).getMessage();
    assertTrue(both.contains("is damaged") && both.contains("the previous generation cannot be used either: "
        + "the checkpoint " + dir.resolve(CheckpointFile.PREVIOUS) + " is truncated"), both);
    assertArrayEquals(bad, Files.readAllBytes(newest));
  }
}
