package postgres

import (
	"context"
	"time"

	"github.com/hearth-iot/hearth"
)

// AddPasskey implements hearth.MFAStore.
func (db *DB) AddPasskey(ctx context.Context, p *hearth.Passkey) error {
	panic(notYet)
}

// ConfirmTOTP implements hearth.MFAStore.
func (db *DB) ConfirmTOTP(ctx context.Context, accountID string, step int64, codeHashes [][]byte, at time.Time) error {
	panic(notYet)
}

// DeleteSecondFactorRefusals implements hearth.MFAStore.
func (db *DB) DeleteSecondFactorRefusals(ctx context.Context, before time.Time) (int64, error) {
	panic(notYet)
}

// DeleteSecondFactors implements hearth.MFAStore.
func (db *DB) DeleteSecondFactors(ctx context.Context, accountID string) error {
	panic(notYet)
}

// Passkeys implements hearth.MFAStore.
func (db *DB) Passkeys(ctx context.Context, accountID string) ([]hearth.Passkey, error) {
	panic(notYet)
}

// PutTOTP implements hearth.MFAStore.
func (db *DB) PutTOTP(ctx context.Context, t *hearth.TOTP) error {
	panic(notYet)
}

// RecordSecondFactorRefusal implements hearth.MFAStore.
func (db *DB) RecordSecondFactorRefusal(ctx context.Context, r *hearth.SecondFactorRefusal) error {
	panic(notYet)
}

// RecoveryCodesLeft implements hearth.MFAStore.
func (db *DB) RecoveryCodesLeft(ctx context.Context, accountID string) (int, error) {
	panic(notYet)
}

// ReplaceRecoveryCodes implements hearth.MFAStore.
func (db *DB) ReplaceRecoveryCodes(ctx context.Context, accountID string, codeHashes [][]byte) error {
	panic(notYet)
}

// SecondFactorRefusals implements hearth.MFAStore.
func (db *DB) SecondFactorRefusals(ctx context.Context, accountID string, limit int) ([]hearth.SecondFactorRefusal, error) {
	panic(notYet)
}

// SetOperator implements hearth.MFAStore.
func (db *DB) SetOperator(ctx context.Context, accountID string, operator bool) error {
	panic(notYet)
}

// TOTP implements hearth.MFAStore.
func (db *DB) TOTP(ctx context.Context, accountID string) (*hearth.TOTP, error) {
	panic(notYet)
}

// UsePasskey implements hearth.MFAStore.
func (db *DB) UsePasskey(ctx context.Context, accountID string, credentialID []byte, signCount uint32, at time.Time) error {
	panic(notYet)
}

// UseRecoveryCode implements hearth.MFAStore.
func (db *DB) UseRecoveryCode(ctx context.Context, accountID string, codeHash []byte, at time.Time) error {
	panic(notYet)
}

// UseTOTPStep implements hearth.MFAStore.
func (db *DB) UseTOTPStep(ctx context.Context, accountID string, step int64) error {
	panic(notYet)
}
