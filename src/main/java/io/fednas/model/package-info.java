/**
 * Immutable CNN architecture descriptions (layers and widths, JSON round-trip), the built-in
 * architectures, exact per-layer parameter and forward-FLOP counts, and the DL4J network builder.
 */
package io.fednas.model;
