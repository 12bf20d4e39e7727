/**
 * The search: federated NetAdapt. Candidate generation, the early-drop tournament, the round
 * schedule, and the loop that runs them. The straightforward baseline and FedNAS are
 * configurations of the same loop (three switches), not two copies of it.
 */
package io.fednas.search;
