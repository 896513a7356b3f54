package hearth

import (
	"context"
	"time"
)

// ExportLink is a download link for a person's export (RIGHT-ACCESS): the
// holder of its token may download the export until it expires. Only the
// SHA-256 hash of the token is stored.
type ExportLink struct {
	TokenHash   []byte
	PersonID    string // the person the export is about
	HouseholdID string // the household the request was made in
	RequestedBy string // the person who asked: the subject, their guardian or an owner
	Expires     time.Time
	Created     time.Time
}

// ExportStore is what a person's export reads beyond the other stores: their
// readings, page by page, and the download links.
type ExportStore interface {
	// ReadingsAbout lists the readings attributed to personID (not their
	// households' own readings) with ID > after, in ascending ID order, at
	// most limit of them (0 means 100). It returns EINVALID for a negative
	// limit.
	ReadingsAbout(ctx context.Context, personID string, after int64, limit int) ([]Reading, error)
	// CreateExportLink stores a link; ECONFLICT if its token hash is taken.
	CreateExportLink(ctx context.Context, l *ExportLink) error
	// ExportLink returns the link with that token hash, expired or not, or
	// ENOTFOUND.
	ExportLink(ctx context.Context, tokenHash []byte) (*ExportLink, error)
}
