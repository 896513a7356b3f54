package updates

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/firmware"
)

// Publish verifies a signed release and its image against the trusted
// keys as a device would (firmware.Verify, with nothing installed) and
// stores it for its model. Errors: EINVALID naming what the device would
// refuse (field "metadata" or "image") or a model the manifest does not
// declare; ECONFLICT if the version is not higher than every release the
// model has (versions never go down).
func (s *Service) Publish(ctx context.Context, trusted []ed25519.PublicKey, metadata, image []byte) (*hearth.FirmwareRelease, error) {
	now := s.clock()
	r, err := firmware.Verify(trusted, metadata, image, "", now)
	if err != nil {
		return nil, refusalError(err)
	}
	if _, ok := s.manifest.Model(r.Model); !ok {
		return nil, hearth.FieldError("metadata", "model %q is not in the manifest", r.Model)
	}
	if err := s.checkNewer(ctx, r.Model, r.Version); err != nil {
		return nil, err
	}
	rel := &hearth.FirmwareRelease{
		Model: r.Model, Version: r.Version, Metadata: metadata, SHA256: r.SHA256, Length: r.Length,
		Expires: r.Expires, Substantial: r.Substantial, Notes: r.Notes, KeyID: signer(trusted, metadata), Published: now,
	}
	if err := s.store.AddFirmwareRelease(ctx, rel, image); err != nil {
		return nil, fmt.Errorf("publish firmware: %w", err)
	}
	return rel, nil
}

// refusalError turns a *firmware.Refusal into an EINVALID error on the
// field at fault.
func refusalError(err error) error {
	var ref *firmware.Refusal
	if !errors.As(err, &ref) {
		return err
	}
	field := "metadata"
	if ref.Reason == firmware.ReasonModified {
		field = "image"
	}
	return &hearth.Error{Code: hearth.EINVALID, Field: field, Message: fmt.Sprintf("a device would refuse this release (%s): %s", ref.Reason, ref.Detail), Err: err}
}

// checkNewer returns ECONFLICT unless version is higher than every
// release of model.
func (s *Service) checkNewer(ctx context.Context, model, version string) error {
	rs, err := s.store.FirmwareReleases(ctx, model)
	if err != nil {
		return fmt.Errorf("list releases: %w", err)
	}
	for _, r := range rs {
		if c, err := firmware.CompareVersions(version, r.Version); err == nil && c <= 0 {
			return hearth.Errorf(hearth.ECONFLICT, "version %s is not higher than %s, already published for %s", version, r.Version, model)
		}
	}
	return nil
}

// signer returns the ID of the trusted key whose signature is on metadata
// (Verify found one).
func signer(trusted []ed25519.PublicKey, metadata []byte) string {
	m, err := firmware.Parse(metadata)
	if err != nil {
		return ""
	}
	for _, sig := range m.Signatures {
		for _, k := range trusted {
			b, _ := hex.DecodeString(sig.Sig)
			if firmware.KeyID(k) == sig.KeyID && ed25519.Verify(k, m.Signed.Canonical(), b) {
				return sig.KeyID
			}
		}
	}
	return ""
}

// Releases lists a model's published releases ("" for every model's),
// latest first.
func (s *Service) Releases(ctx context.Context, model string) ([]hearth.FirmwareRelease, error) {
	rs, err := s.store.FirmwareReleases(ctx, model)
	if err != nil {
		return nil, fmt.Errorf("list releases: %w", err)
	}
	return rs, nil
}
