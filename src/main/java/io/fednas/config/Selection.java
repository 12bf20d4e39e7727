package io.fednas.config;

/** How an iteration's model is chosen among the candidates left at its end. */
public enum Selection implements Choice {
  /** The best validation accuracy. */
  ACCURACY("accuracy"),
  /** NetAdapt's option: the least accuracy lost per unit of resource removed. */
  DROP_PER_RESOURCE("drop-per-resource");

  private final String key;

  Selection(String key) {
    this.key = key;
  }

  @Override
  public String key() {
    return key;
  }
}
