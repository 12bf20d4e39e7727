/**
 * What a network is, without a network library: immutable CNN architecture descriptions (layers
 * and widths, JSON round-trip), the built-in architectures, exact per-layer parameter and
 * forward-FLOP counts, the flat parameter layout, NetAdapt's weight surgery on it, and the
 * {@link io.fednas.model.NetworkBackend} interface a library implements.
 */
package io.fednas.model;
