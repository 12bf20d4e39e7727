/**
 * What a run leaves behind, as files: the run directory (atomic writes), the partition summary,
 * per-round metrics (CSV and Parquet), the search and tournament tables, the HTML report and the
 * comparison of several runs, and the console progress lines.
 */
package io.fednas.report;
