package rights

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hearth-iot/hearth"
)

// Statement returns the request's statement in the person's own words,
// opened with their data key: "" if it has none, or if their key was
// destroyed by an erasure (then erased is true). Its caller has checked
// who may see the request (Request, Requests, or an operator tool).
func (s *Service) Statement(ctx context.Context, r *hearth.RightsRequest) (text string, erased bool, err error) {
	if len(r.Statement) == 0 {
		return "", false, nil
	}
	if s.keys == nil {
		return "", false, hearth.Errorf(hearth.ENOTFOUND, "statements are not kept here")
	}
	plain, err := s.keys.Open(ctx, r.Statement, statementAAD(r.ID))
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return "", true, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("open statement: %w", err)
	}
	return string(plain), false, nil
}

// statementAAD binds a sealed statement to its request.
func statementAAD(id string) []byte { return []byte("rights-request\x00statement\x00" + id) }

// checkStatement checks a person's own words: at most MaxStatementLen bytes
// of valid UTF-8, line breaks and tabs allowed, no other control character.
func checkStatement(s string) error {
	switch {
	case len(s) > MaxStatementLen:
		return hearth.FieldError("statement", "too long: use at most %d bytes", MaxStatementLen)
	case !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) >= 0:
		return hearth.FieldError("statement", "contains characters that cannot be shown")
	}
	return nil
}
