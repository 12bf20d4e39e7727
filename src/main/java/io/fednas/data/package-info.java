/**
 * Real dataset formats (IDX, CIFAR-10 binary), the in-memory image sets they load into, and the
 * seeded partitioners that split a training set among simulated clients (iid, Dirichlet label
 * skew, label-sorted shards), each client keeping a validation hold-out of its own data.
 */
package io.fednas.data;
