/**
 * The job's entry point and what a run leaves behind: the run directory (atomic writes), the
 * partition summary, per-round metrics (CSV and Parquet), the final model, summary.json, and the
 * console progress.
 */
package io.fednas.report;
