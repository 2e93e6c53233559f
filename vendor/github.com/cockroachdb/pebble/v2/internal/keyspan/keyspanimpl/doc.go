// Package keyspanimpl contains Pebble-specific implementations of keyspan
// fragment iterators.
package keyspanimpl
