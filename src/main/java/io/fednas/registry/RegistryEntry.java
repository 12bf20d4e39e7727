package io.fednas.registry;

import java.util.Map;

/**
 * One registered model (docs/REGISTRY.md lists every field).
 *
 * @param parent the id of the model it was cut from (or {@code RUN_DIR#ID} of another run's), null for a first model
 * @param cutLayer the layer narrowed to make it from its parent, -1 when none was
 * @param fineTune what training the model had of its own after its cut
 * @param round the last round before it was taken
 * @param latencyMs forward latency of one sample on each device profile
 * @param validationAccuracy on the run's validation clients, measured the same way for every model: what the selector ranks by (null without hold-outs)
 * @param searchScore the score the search chose it with (on the clients that scored it then), null when none
 * @param testAccuracy measured once when it was registered, never used to choose
 */
public record RegistryEntry(String id, String parent, int cutLayer, int cutWidth, String fineTune, int round,
    String architecture, long params, long flops, Map<String, Double> latencyMs, Double validationAccuracy,
    Double searchScore, double testAccuracy, long cumTrainFlops, long cumBytes, long cumClientTrainings, String modelFile,
    String architectureFile, String modelSha256, String architectureSha256) {}
