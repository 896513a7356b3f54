package web

// The account pages' template functions.
func init() {
	// factorName names a second-factor method for people.
	Funcs["factorName"] = func(method string) string {
		switch method {
		case "totp":
			return "Authenticator app code"
		case "recovery":
			return "Recovery code"
		case "passkey":
			return "Passkey"
		}
		return method
	}
	// refusalReason says in words why a second factor was refused.
	Funcs["refusalReason"] = func(reason string) string {
		switch reason {
		case "replayed":
			return "A code or sign-in step that had been used already was tried again."
		case "used":
			return "A recovery code that had been used already was tried again."
		case "sign-count":
			return "The passkey's counter went backwards, which can mean it was copied."
		case "challenge-reused":
			return "A passkey answer that had been used already was sent again."
		}
		return reason
	}
}
