package collector

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// tokenSource yields the bearer token, from a fixed value or from a file it re-reads
// whenever the file's size or modification time changes (rotated service-account
// tokens). It never puts the token in an error or a log.
type tokenSource struct {
	value string
	path  string

	mu      sync.Mutex
	modTime time.Time
	size    int64
	cached  string
}

func newTokenSource(value, path string) *tokenSource {
	return &tokenSource{value: normaliseToken(value), path: path}
}

// normaliseToken trims whitespace and one leading "Bearer " (any case), so a token
// configured with its scheme is not sent as "Bearer Bearer ...".
func normaliseToken(t string) string {
	t = strings.TrimSpace(t)
	if len(t) > 7 && strings.EqualFold(t[:7], "bearer ") {
		t = strings.TrimSpace(t[7:])
	}
	return t
}

// token returns the current token.
func (s *tokenSource) token() (string, error) {
	if s.path == "" {
		return s.value, nil
	}
	info, err := os.Stat(s.path)
	if err != nil {
		return "", fmt.Errorf("read the bearer token file: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached != "" && info.ModTime().Equal(s.modTime) && info.Size() == s.size {
		return s.cached, nil
	}
	data, err := os.ReadFile(s.path)
	if err != nil {
		return "", fmt.Errorf("read the bearer token file: %w", err)
	}
	t := normaliseToken(string(data))
	if t == "" {
		return "", errors.New("read the bearer token file: the file is empty")
	}
	s.cached, s.modTime, s.size = t, info.ModTime(), info.Size()
	return t, nil
}

// bearerRoundTripper adds the Authorization header to every request.
type bearerRoundTripper struct {
	next  http.RoundTripper
	token *tokenSource
}

// RoundTrip sends req with the current bearer token, on a clone (a RoundTripper must not
// modify its request).
func (b *bearerRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	t, err := b.token.token()
	if err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+t)
	return b.next.RoundTrip(r)
}

// basicAuthRoundTripper adds HTTP basic authentication (the user info PROMETHEUS_BASE_URL
// carried) to every request, so the URL the client holds, and every error that shows it,
// carries no credential.
type basicAuthRoundTripper struct {
	next           http.RoundTripper
	user, password string
}

// RoundTrip sends req with basic authentication, on a clone.
func (b *basicAuthRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.SetBasicAuth(b.user, b.password)
	return b.next.RoundTrip(r)
}
