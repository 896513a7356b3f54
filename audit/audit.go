// Package audit keeps the hash-chained audit log of every access to
// personal data and every administrative action.
package audit
