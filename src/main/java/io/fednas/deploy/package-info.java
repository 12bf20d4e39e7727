/**
 * Checks for a deployment target: which ND4J backend an executor image really runs, and how fast.
 * The submit scripts themselves are in submit-scripts/ (their command builder is
 * submit-scripts/lib/fednas_submit.py).
 */
package io.fednas.deploy;
