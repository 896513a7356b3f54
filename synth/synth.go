// Package synth generates synthetic households, people and readings.
package synth
