package io.fednas.config;

/** The resource a search's budget limits. */
public enum Metric implements Choice {
  FLOPS("flops"), PARAMS("params"), LATENCY("latency");

  private final String key;

  Metric(String key) {
    this.key = key;
  }

  @Override
  public String key() {
    return key;
  }
}
