package collector

import (
	"errors"
	"fmt"
	"io"
	"net/http"
)

// maxAnswerBytes bounds one Prometheus answer. A cycle's answers hold one series per
// replica and signal (about 200 bytes each), so 64 MiB is some 300,000 replicas: an
// answer beyond it selects far more series than WVA asked for, and is refused before it
// is decoded into memory.
const maxAnswerBytes = 64 << 20

// errAnswerTooLarge is wrapped by the error of an answer beyond maxAnswerBytes.
var errAnswerTooLarge = errors.New("prometheus answer too large")

// answerLimit is a RoundTripper whose response bodies fail once they pass the limit.
type answerLimit struct {
	next  http.RoundTripper
	limit int64
}

func (a answerLimit) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := a.next.RoundTrip(r)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	resp.Body = &limitedBody{ReadCloser: resp.Body, left: a.limit}
	return resp, nil
}

// limitedBody reads at most left bytes, then fails naming the limit.
type limitedBody struct {
	io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, fmt.Errorf("%w: more than %d MiB; the queries select far more series than the models WVA manages have replicas", errAnswerTooLarge, maxAnswerBytes>>20)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}
