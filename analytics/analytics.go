// Package analytics answers operators' aggregate questions with
// differential privacy, using Google's library for the noise and the
// contribution bounding.
package analytics

import _ "github.com/google/differential-privacy/go/v3/dpagg" // being written
