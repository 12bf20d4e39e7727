package io.fednas.app;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The versions this build was made with (from the filtered versions.properties), for provenance. */
final class Versions {
  static final String FEDNAS;
  static final String DL4J;

  static {
    Properties p = new Properties();
    try (InputStream in = Versions.class.getResourceAsStream("/fednas-versions.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // leave them unknown
    }
    FEDNAS = p.getProperty("fednas", "unknown");
    DL4J = p.getProperty("dl4j", "unknown");
  }

  private Versions() {}
}
