/**
 * The application: the job's entry point ({@code FedNasJob}) and the comparison's
 * ({@code Comparison}), the Spark session, and a run as its set-up, its phases over immutable
 * state (FedAvg, or base model, search and long-term fine-tune), its outputs and its provenance.
 * The only package that wires the others together; none of them depends on it.
 */
package io.fednas.app;
