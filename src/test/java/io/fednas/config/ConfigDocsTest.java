package io.fednas.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every key of reference.conf is documented in docs/CONFIG.md. */
class ConfigDocsTest {
  @Test
  void everyKeyIsDocumented() throws Exception {
    String doc = Files.readString(Path.of("docs/CONFIG.md"));
    for (Map.Entry<String, ConfigValue> e : ConfigFactory.parseResources("reference.conf").entrySet()) {
      assertTrue(doc.contains("`" + e.getKey() + "`"), e.getKey() + " is missing from docs/CONFIG.md");
    }
    assertTrue(doc.contains("`spark.conf`"));
  }
}
