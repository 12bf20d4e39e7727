/**
 * The run's state between rounds (models, tournament, schedule, cost ledger, metrics), saved
 * atomically after every round so that a killed driver loses nothing: a run continues from its
 * last complete checkpoint and ends exactly as it would have.
 */
package io.fednas.checkpoint;
