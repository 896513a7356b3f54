package ingest

import (
	"fmt"

	"github.com/hearth-iot/hearth/policy"
	"github.com/hearth-iot/hearth/subject"
)

// defaultPolicy fills in the policy engine and subjects left nil in Config.
func (s *Service) defaultPolicy() {
	if s.policy == nil {
		e, err := policy.Compile(s.manifest)
		if err != nil {
			panic(fmt.Sprintf("ingest: compile the manifest's policy: %v", err))
		}
		s.policy = e
	}
	if s.subjects == nil {
		c, err := subject.New(subject.Config{Store: s.store, Manifest: s.manifest, Policy: s.policy, Now: s.now})
		if err != nil {
			panic(fmt.Sprintf("ingest: subject cache: %v", err))
		}
		s.subjects = c
	}
}
