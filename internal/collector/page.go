package collector

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Limits of one scrape of a model server's /metrics page. A page is read once per scrape
// and per replica, so what one scrape may cost in memory and time is bounded whatever the
// server sends: a page larger than maxScrapeBytes, a line of a vLLM family longer than
// maxLineBytes, or more than maxRelevantBytes of vLLM families is refused with an error
// saying which limit, and the replica is not used; the scrape's deadline bounds the time.
const (
	// maxScrapeBytes bounds the whole page (vLLM pages are tens to hundreds of KiB).
	maxScrapeBytes = 32 << 20
	// maxRelevantBytes bounds the lines of vLLM families kept for parsing: only they are
	// held in memory, so a page full of other families costs a read buffer, not a parse.
	maxRelevantBytes = 4 << 20
	// maxLineBytes bounds one line of a vLLM family.
	maxLineBytes = 64 << 10
)

// familyPrefix starts the name of every family WVA reads from a vLLM server.
const familyPrefix = "vllm:"

// errPageTooLarge is wrapped by the errors of a page beyond a size limit.
var errPageTooLarge = errors.New("metrics page too large")

// readPage reads a text exposition and returns only the lines of vLLM's families (their
// samples, HELP and TYPE), which is all parseScrape needs; the rest is read and dropped
// as it streams by. It fails, naming the limit, when the page exceeds one of the limits.
func readPage(r io.Reader) ([]byte, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, maxScrapeBytes+1), 32<<10)
	var out bytes.Buffer
	var read int64
	for {
		line, err := readLine(br, &read)
		if len(line) > 0 && relevant(line) {
			if len(line) > maxLineBytes {
				return nil, fmt.Errorf("%w: a line of the vLLM family %s is longer than the %d KiB line limit", errPageTooLarge, clip(familyOf(line), 80), maxLineBytes>>10)
			}
			if out.Len()+len(line)+1 > maxRelevantBytes {
				return nil, fmt.Errorf("%w: the vLLM families take more than the %d MiB limit", errPageTooLarge, maxRelevantBytes>>20)
			}
			out.Write(line)
			out.WriteByte('\n')
		}
		if read > maxScrapeBytes {
			return nil, fmt.Errorf("%w: larger than the %d MiB scrape limit", errPageTooLarge, maxScrapeBytes>>20)
		}
		if errors.Is(err, io.EOF) {
			return out.Bytes(), nil
		}
		if err != nil {
			return nil, fmt.Errorf("read metrics page (%d bytes read): %w", read, err)
		}
	}
}

// readLine returns the next line without its newline. A line longer than maxLineBytes is
// returned cut to maxLineBytes+1 bytes (enough to tell it is too long and whose it is)
// while the rest is skipped; read counts every byte consumed.
func readLine(br *bufio.Reader, read *int64) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		*read += int64(len(chunk))
		if len(line) <= maxLineBytes {
			line = append(line, chunk[:min(len(chunk), maxLineBytes+1-len(line))]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimRight(line, "\r\n"), err
	}
}

// relevant reports whether a line belongs to a vLLM family: a sample, or its HELP or TYPE
// comment. Other comments and blank lines are dropped.
func relevant(line []byte) bool {
	if bytes.HasPrefix(line, []byte("#")) {
		f := bytes.Fields(line[1:])
		return len(f) >= 2 && (string(f[0]) == "HELP" || string(f[0]) == "TYPE") && bytes.HasPrefix(f[1], []byte(familyPrefix))
	}
	return bytes.HasPrefix(line, []byte(familyPrefix)) || bytes.HasPrefix(line, []byte(`{"`+familyPrefix))
}

// familyOf is the metric name a line starts with, for messages.
func familyOf(line []byte) string {
	if i := bytes.IndexAny(line, "{ \t"); i > 0 {
		return string(line[:i])
	}
	return string(line)
}

// clip shortens s to at most n bytes (on a rune boundary) for a message, so a hostile
// value cannot flood logs and conditions.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
