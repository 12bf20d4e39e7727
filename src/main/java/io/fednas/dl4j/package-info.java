/**
 * Deeplearning4j and ND4J behind the engine's {@link io.fednas.model.NetworkBackend}: the network
 * builder, the per-thread network cache, model files, the CPU kernels the project puts into DL4J's
 * layers (the one place that reaches into DL4J's private fields, by reflection), the updater it
 * gives DL4J's networks, and
 * {@code BackendCheck}, which says which ND4J backend a node loads and how fast it multiplies.
 * No other package imports the library (a test holds that).
 */
package io.fednas.dl4j;
