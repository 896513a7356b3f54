package hearth

import (
	"context"
	"time"
)

// PrivacySpend is one differentially private query's charge against a
// dataset's privacy budget (see package analytics). It holds no personal
// data.
type PrivacySpend struct {
	Dataset string  // the dataset charged, for example a data category
	Epsilon float64 // > 0
	Delta   float64 // >= 0
	Query   string  // what was asked, for the operator's record
	Actor   string  // the operator (or "cli") who asked
	Time    time.Time
}

// PrivacyBudgetStore keeps what each dataset's privacy budget has spent.
type PrivacyBudgetStore interface {
	// SpendPrivacyBudget records s only if the dataset's recorded spends
	// plus s stay within maxEpsilon and maxDelta; otherwise it records
	// nothing and returns EREFUSED. Check and record are one atomic step,
	// also across processes sharing the store. EINVALID for a spend
	// without a dataset or with a negative or non-finite charge.
	SpendPrivacyBudget(ctx context.Context, s PrivacySpend, maxEpsilon, maxDelta float64) error
	// PrivacySpends lists the dataset's spends, oldest first.
	PrivacySpends(ctx context.Context, dataset string) ([]PrivacySpend, error)
}
