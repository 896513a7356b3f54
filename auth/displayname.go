package auth

// CheckDisplayName checks a display name as sign-up does: 1 to
// MaxDisplayNameLen characters after trimming spaces, none of them a control
// character. It returns an EINVALID *hearth.Error with Field
// "display_name". A correction of the name (RIGHT-RECTIFY) uses it too.
func CheckDisplayName(name string) error { return checkDisplayName(name) }
