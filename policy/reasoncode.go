package policy

// ReasonOfCode returns the reason whose Code is code, such as the reason
// codes of a reading list's withheld counts, so a page can show its
// sentence; false for a code no reason has.
func ReasonOfCode(code string) (Reason, bool) {
	for r := Reason(0); r < numReasons; r++ {
		if reasonCodes[r] == code {
			return r, true
		}
	}
	return 0, false
}
