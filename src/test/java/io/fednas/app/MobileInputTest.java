package io.fednas.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fednas.FedNasException;
import io.fednas.config.ConfigLoader;
import io.fednas.config.FedNasConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input for the mobile search space is refused before any training, naming the config key. */
class MobileInputTest {
  @TempDir
  Path tmp;

  @Test
  void aDepthwiseLayerInSearchLayersIsRefusedBeforeAnyTraining() {
    JobRuns.Outcome run = JobRuns.run(tmp.resolve("run"), List.of("mode=fednas", "model.arch=mobilenet-28",
        "model.widthMultiplier=0.25", "search.layers=[0,1,2]"));
    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().contains("search.layers names layer 1") && run.err().contains("depthwise layer"), run.err());
    assertFalse(Files.exists(run.dir().resolve("rounds.csv")), "nothing was trained");
  }

  @Test
  void aWidthMultiplierOutOfRangeIsRefused() {
    JobRuns.Outcome run = JobRuns.run(tmp.resolve("run"), List.of("model.arch=mobilenet-28", "model.widthMultiplier=5"));
    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().contains("model.widthMultiplier = 5.0 is invalid"), run.err());
  }

  @Test
  void anArchitectureTooDeepForTheInputsIsRefusedNamingTheKeys() {
    FedNasConfig cfg = ConfigLoader.load(null, List.of("model.arch=mobilenet-28", "model.widthMultiplier=0.5"));
    FedNasException e = assertThrows(FedNasException.class, () -> RunSetup.architecture(cfg, 1, 4, 4, 10));
    assertTrue(e.getMessage().startsWith("model.arch = mobilenet-28 (model.widthMultiplier = 0.5) does not fit"),
        e.getMessage());
    assertTrue(e.getMessage().contains("too deep for its input size"), e.getMessage());
  }
}
