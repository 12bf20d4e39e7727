/**
 * Simulated client devices (after FedScale): which device each client is, who is online, who
 * drops out, how long each client-training takes, and where the round deadline cuts.
 */
package io.fednas.fleet;
