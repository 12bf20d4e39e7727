package io.fednas.config;

/** What a run does: FedAvg alone, or the search in one of its three forms. */
public enum Mode implements Choice {
  /** Federated averaging of one model, no search. */
  FEDAVG("fedavg"),
  /** The straightforward federated NetAdapt: FedNAS's three optimizations off. */
  BASELINE("baseline"),
  /** Federated NetAdapt with the optimizations the config switches on. */
  FEDNAS("fednas"),
  /** The same search on pooled data, trained data-parallel: the reference a federated search is measured against. */
  CENTRALIZED("centralized");

  private final String key;

  Mode(String key) {
    this.key = key;
  }

  @Override
  public String key() {
    return key;
  }

  /** Whether the run searches (every mode but FedAvg). */
  public boolean searches() {
    return this != FEDAVG;
  }
}
