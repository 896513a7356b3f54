// Package compliance reports every requirement's status and evidence.
package compliance
