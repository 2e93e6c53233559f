package plugin

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
)

// maxStreamProbeBytes bounds the request body the gate reads to learn whether an
// inference request asks for a stream. A larger body is forwarded untouched and
// settled as its route says (settle-after buffers the answer up to MaxBufferBytes,
// then settles and streams the rest).
const maxStreamProbeBytes = 1 << 20

// streamRequested reports whether a paid request to an inference offer asks for a
// streamed answer the way OpenAI-style clients do: a POST with a JSON body whose
// top-level "stream" is true. It reads the body (bounded) and puts exactly the bytes
// it read back in front of the rest, so the upstream receives the body the decision
// was made on. Keys are compared exactly and the last duplicate wins, as in the
// Python and JavaScript servers that read these bodies.
func streamRequested(req *http.Request) bool {
	if req.Method != http.MethodPost || req.Body == nil || req.Body == http.NoBody {
		return false
	}
	ct := req.Header[hkContentType]
	if len(ct) == 0 || !jsonMediaType(ct[0]) || req.ContentLength > maxStreamProbeBytes {
		return false
	}
	rest := req.Body
	buf, err := io.ReadAll(io.LimitReader(rest, maxStreamProbeBytes+1))
	if err != nil || len(buf) > maxStreamProbeBytes {
		req.Body = io.NopCloser(io.MultiReader(bytes.NewReader(buf), rest))
		return false
	}
	// The whole body is in buf; the server closes the original when the request ends.
	req.Body = io.NopCloser(bytes.NewReader(buf))
	// Without the word and without an escape that could spell it, no key is "stream".
	if bytes.Index(buf, streamWord) < 0 && bytes.IndexByte(buf, '\\') < 0 {
		return false
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(buf, &top) != nil {
		return false
	}
	return string(top["stream"]) == "true"
}

var streamWord = []byte("stream")

// jsonMediaType reports whether a Content-Type is JSON (application/json or a
// +json type), parameters ignored.
func jsonMediaType(v string) bool {
	mt, _, err := mime.ParseMediaType(v)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}
