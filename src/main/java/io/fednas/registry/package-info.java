/**
 * The model registry: every point of a run's trade-off curve saved as a model file with its
 * architecture, costs, accuracies, lineage and the run's provenance ({@code models/registry.json}),
 * and the deployment selector that picks, for a device's limits, the best registered model.
 */
package io.fednas.registry;
