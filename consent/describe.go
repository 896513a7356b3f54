package consent

// Describe returns what the consent request for purpose says, from the
// manifest alone: who asks, why, what data, who receives it, how to
// withdraw and the explicit statement where one is needed. It records
// nothing and says nothing about any person (Subject, Actor and Time are
// empty): it is what the public notice says about the purpose, for
// showing next to a consent already given or a request not asked again
// yet. It returns ENOTFOUND for an undeclared purpose and EINVALID for one
// that does not rely on consent (both with field "purpose").
func (s *Service) Describe(purpose string) (RequestView, error) {
	p, err := s.consentable(purpose)
	if err != nil {
		return RequestView{}, err
	}
	return s.view(p), nil
}
