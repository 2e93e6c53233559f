package x402

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// MaxHeaderBytes bounds an encoded payment header. A real EIP-3009 payload with a v2
// resource and extensions is about 1.5 KiB; 16 KiB leaves room for extensions while
// refusing memory-exhaustion attempts before any decoding work.
const MaxHeaderBytes = 16 << 10

// Sentinel errors of the header codec, for errors.Is (errors.As is unusable under Yaegi).
var (
	ErrHeaderEmpty    = errors.New("payment header is empty")
	ErrHeaderTooLarge = errors.New("payment header is too large")
	ErrHeaderBase64   = errors.New("payment header is not base64")
	ErrHeaderJSON     = errors.New("payment header is not a JSON object")
)

// DecodeHeader decodes a base64 header value into v. It accepts the standard and the
// URL-safe alphabet, padded or not, because clients in the wild send all four; it
// refuses values longer than maxLen (MaxHeaderBytes when maxLen <= 0).
func DecodeHeader(value string, maxLen int, v any) error {
	raw, err := DecodeHeaderBytes(value, maxLen)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%w: %v", ErrHeaderJSON, err)
	}
	return nil
}

// DecodeHeaderBytes returns the JSON bytes inside a base64 header value.
//
// What every official client sends, padded standard base64 and nothing else, is
// decoded in one compiled call (under Yaegi each call into the standard library costs
// about a microsecond and a handful of allocations, and the general path makes four).
// The short cut returns only what decodeHeaderGeneral returns for the same value: a
// value StdEncoding decodes holds only its alphabet, '=' padding at the end, and
// newlines, which both decoders skip; the length test refuses any value with
// newlines (each group of four skipped characters leaves three bytes fewer than the
// value's length promises), so the value has no space to trim, no URL-safe character,
// and decodes to the same bytes once its padding is dropped. The empty value and one
// of only newlines are left to the general path (ErrHeaderEmpty).
func DecodeHeaderBytes(value string, maxLen int) ([]byte, error) {
	if len(value) > 0 && len(value)%4 == 0 && len(value) <= MaxHeaderBytes && (maxLen <= 0 || len(value) <= maxLen) {
		if raw, err := decodeStd(value); err == nil && len(raw) > len(value)/4*3-3 {
			return raw, nil
		}
	}
	return decodeHeaderGeneral(value, maxLen)
}

// decodeStd is StdEncoding's DecodeString taken once: a method value of a compiled
// type is looked up per call under Yaegi.
var decodeStd = base64.StdEncoding.DecodeString

// decodeHeaderGeneral is DecodeHeaderBytes for every value: both alphabets, padded or
// not, surrounding space, and the errors.
func decodeHeaderGeneral(value string, maxLen int) ([]byte, error) {
	if maxLen <= 0 {
		maxLen = MaxHeaderBytes
	}
	value = strings.TrimSpace(value)
	if value == "" {
		return nil, ErrHeaderEmpty
	}
	if len(value) > maxLen {
		return nil, tooLarge(len(value), maxLen)
	}
	// One pass over the string in compiled code picks the alphabet; padding is
	// dropped so the Raw encodings accept both forms.
	enc := base64.RawStdEncoding
	if strings.ContainsAny(value, "-_") {
		enc = base64.RawURLEncoding
	}
	raw, err := enc.DecodeString(strings.TrimRight(value, "="))
	if err != nil {
		return nil, notBase64(err)
	}
	return raw, nil
}

// The error wording lives out of DecodeHeaderBytes: under Yaegi every call allocates
// all value slots of its function, those of branches not taken included.
func tooLarge(n, limit int) error {
	return fmt.Errorf("%w: %d bytes, limit %d", ErrHeaderTooLarge, n, limit)
}

func notBase64(err error) error { return fmt.Errorf("%w: %v", ErrHeaderBase64, err) }

// EncodeHeader marshals v to JSON and encodes it with the standard padded alphabet,
// the form every official client decodes.
func EncodeHeader(v any) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode payment header: %w", err)
	}
	return base64.StdEncoding.EncodeToString(raw), nil
}
