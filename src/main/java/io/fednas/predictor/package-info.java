/**
 * The accuracy predictor on Spark MLlib (search.predictor): a seeded pipeline of feature assembly
 * and gradient-boosted trees, fitted on the driver's SparkSession from the scores a search has
 * observed, and earlier runs' tournament tables to warm it up.
 */
package io.fednas.predictor;
