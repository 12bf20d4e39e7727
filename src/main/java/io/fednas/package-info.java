/** FedNAS-Spark: federated neural architecture search simulated as a Spark batch job. */
package io.fednas;
