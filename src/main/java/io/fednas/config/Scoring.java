package io.fednas.config;

/** Where a search's candidates are scored. */
public enum Scoring implements Choice {
  /** By the clients that train them, on their own hold-outs, before training: no extra download. */
  CLIENTS("clients"),
  /** By separate validation clients (eval.validationClients), each downloading every live candidate. */
  VALIDATION("validation");

  private final String key;

  Scoring(String key) {
    this.key = key;
  }

  @Override
  public String key() {
    return key;
  }
}
