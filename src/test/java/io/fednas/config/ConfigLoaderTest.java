package io.fednas.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path tmp;

  private static ConfigError fails(Path file, String... overrides) {
    return assertThrows(ConfigError.class, () -> ConfigLoader.load(file, List.of(overrides)));
  }

  @Test
  void shippedConfigsLoadAndOverridesApply() {
    FedNasConfig q = ConfigLoader.load(Path.of("conf/quickstart.conf"), List.of("federated.rounds=3", "spark.master=local[1]"));
    assertEquals(3, q.federated().rounds());
    assertEquals("local[1]", q.sparkMaster());
    assertEquals("dirichlet", q.data().partition());
    assertEquals(100, q.federated().clients());
    assertEquals(io.fednas.config.Mode.FEDNAS, q.mode(), "the README's first command runs a small FedNAS search");
    FedNasConfig m = ConfigLoader.load(Path.of("conf/mcmahan-mnist-cnn.conf"), List.of());
    assertEquals("mcmahan-cnn", m.arch());
    assertEquals(5, m.federated().localEpochs());
    assertEquals(10, m.federated().batchSize());
  }

  @Test
  void unknownKeySuggestsTheNearestKnownOne() {
    ConfigError e = fails(null, "federated.clientPerRound=5");
    assertTrue(e.getMessage().contains("unknown config key 'federated.clientPerRound'"), e.getMessage());
    assertTrue(e.getMessage().contains("did you mean 'federated.clientsPerRound'?"), e.getMessage());
  }

  @Test
  void unknownKeyInAFileNamesTheFile() throws Exception {
    Path f = tmp.resolve("typo.conf");
    Files.writeString(f, "federated {\n  localEpoch = 2\n}\n");
    ConfigError e = fails(f);
    assertTrue(e.getMessage().contains("federated.localEpoch"), e.getMessage());
    assertTrue(e.getMessage().contains("typo.conf"), e.getMessage());
    assertTrue(e.getMessage().contains("federated.localEpochs"), e.getMessage());
  }

  @Test
  void aSecretInTheRunConfigIsRefusedNamingTheKeyAndWhereItBelongs() {
    ConfigError e = fails(null, "spark.conf.spark.authenticate.secret=hunter2");
    assertTrue(e.getMessage().startsWith("spark.conf.spark.authenticate.secret: a secret must not be in the run config")
        && e.getMessage().contains("FEDNAS_SPARK_SECRET_FILE") && !e.getMessage().contains("hunter2"), e.getMessage());
    assertTrue(fails(null, "spark.conf.spark.ssl.keyStorePassword=x").getMessage().contains("keyStorePassword"));
  }

  @Test
  void aNullOrAnObjectWhereAValueBelongsNamesTheKey() throws Exception {
    ConfigError nul = fails(null, "federated.rounds=null");
    assertTrue(nul.getMessage().contains("federated.rounds"), nul.getMessage());
    Path f = tmp.resolve("null.conf");
    Files.writeString(f, "federated.rounds = null\n");
    ConfigError inFile = fails(f);
    assertTrue(inFile.getMessage().contains("federated.rounds = null is invalid: allowed is an integer"),
        inFile.getMessage());
    Files.writeString(f, "spark.conf = 5\n");
    assertTrue(fails(f).getMessage().contains("spark.conf"), "an object expected");
  }

  @Test
  void wrongTypeNamesKeyValueAndWhatIsAllowed() {
    ConfigError e = fails(null, "federated.rounds=many");
    assertTrue(e.getMessage().contains("federated.rounds = many"), e.getMessage());
    assertTrue(e.getMessage().contains("an integer"), e.getMessage());
    e = fails(null, "output.overwrite=perhaps");
    assertTrue(e.getMessage().contains("output.overwrite") && e.getMessage().contains("true or false"), e.getMessage());
  }

  @Test
  void outOfRangeValuesAreRejected() {
    ConfigError e = fails(null, "data.validationFraction=0.9");
    assertTrue(e.getMessage().contains("data.validationFraction = 0.9"), e.getMessage());
    assertTrue(e.getMessage().contains("[0.0, 0.5]"), e.getMessage());
    e = fails(null, "federated.learningRate=0");
    assertTrue(e.getMessage().contains("federated.learningRate"), e.getMessage());
    e = fails(null, "federated.localEpochs=0");
    assertTrue(e.getMessage().contains("federated.localEpochs = 0"), e.getMessage());
  }

  @Test
  void aWidthMultiplierOutsideZeroToFourIsRejected() {
    for (String bad : List.of("0", "-1", "4.5")) {
      ConfigError e = fails(null, "model.widthMultiplier=" + bad);
      assertTrue(e.getMessage().contains("model.widthMultiplier") && e.getMessage().contains("(0.0, 4.0]"),
          e.getMessage());
    }
    assertEquals(0.5, ConfigLoader.load(null, List.of("model.arch=mobilenet-28", "model.widthMultiplier=0.5"))
        .widthMultiplier());
  }

  @Test
  void unknownChoiceListsTheChoices() {
    ConfigError e = fails(null, "data.partition=zipf");
    assertTrue(e.getMessage().contains("one of iid, dirichlet, shards"), e.getMessage());
    ConfigError rate = fails(null, "search.shortTermLearningRate=-0.01");
    assertTrue(rate.getMessage().contains("search.shortTermLearningRate"), rate.getMessage());
    ConfigError schedule = fails(null, "search.longTermSchedule=linear");
    assertTrue(schedule.getMessage().contains("search.longTermSchedule")
        && schedule.getMessage().contains("one of constant, cosine"), schedule.getMessage());
  }

  @Test
  void moreClientsPerRoundThanClientsIsRejected() {
    ConfigError e = fails(null, "federated.clients=5", "federated.clientsPerRound=10");
    assertTrue(e.getMessage().contains("federated.clientsPerRound = 10 exceeds federated.clients = 5"), e.getMessage());
  }

  @Test
  void missingFileAndMalformedOverrideAreRejected() {
    ConfigError e = fails(tmp.resolve("nope.conf"));
    assertTrue(e.getMessage().contains("config file not found") && e.getMessage().contains("nope.conf"), e.getMessage());
    e = fails(null, "federated.rounds");
    assertTrue(e.getMessage().contains("key=value"), e.getMessage());
  }

  @Test
  void sparkConfPassesArbitraryProperties() {
    FedNasConfig c = ConfigLoader.load(null, List.of("spark.conf.spark.ui.enabled=false"));
    assertEquals("false", c.sparkConf().get("spark.ui.enabled"));
  }
}
