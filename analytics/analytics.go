// Package analytics answers operators' aggregate questions with
// differential privacy (PET-DP): counts, sums, means and histograms of a
// category's readings by time bucket, and counts of people and devices,
// over the people who consented to the manifest's analytics purpose only.
//
// The privacy unit is the household: everyone in it, their own readings
// and the household's. Each household's contribution is bounded (at most
// Query.MaxGroups groups, at most Query.MaxContributions values in each,
// each value clamped to the query's bounds), and Google's differential
// privacy library (dpagg, noise) adds the noise calibrated to those
// bounds. Every group is public (time buckets, bins, roles, models), and a
// group whose noisy count of households is below the manifest's
// min_group is withheld. Each query charges its ε (and δ) to its
// dataset's privacy budget before it runs; once the budget is spent,
// queries are refused.
package analytics
