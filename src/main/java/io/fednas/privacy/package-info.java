/**
 * Client-level differential privacy: the Rényi-DP accountant of the sampled Gaussian mechanism
 * (DP-FedAvg's rounds), composed over rounds and converted to (epsilon, delta).
 */
package io.fednas.privacy;
