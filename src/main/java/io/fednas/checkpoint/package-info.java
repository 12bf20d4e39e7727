/**
 * The run's state between rounds as values (models, tournament, schedule, cost ledger, metrics),
 * and its versioned file format (docs/CHECKPOINTS.md), saved atomically after every round so that
 * a killed driver loses nothing: a run continues from its last complete checkpoint and ends exactly
 * as it would have.
 */
package io.fednas.checkpoint;
