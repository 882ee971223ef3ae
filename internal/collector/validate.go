package collector

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation"
)

// maxModelIDLength bounds a model ID; real ones ("org/model-name-revision") are far
// shorter, and a bound keeps a hostile value from bloating every query.
const maxModelIDLength = 256

// ErrInvalidLabelValue is wrapped by every validation error, so callers can tell a
// rejected value from a failed query.
var ErrInvalidLabelValue = errors.New("invalid label value")

// ValidateNamespace accepts only DNS-1123 labels, which is what Kubernetes allows for a
// namespace: such a value cannot contain anything PromQL would interpret.
func ValidateNamespace(ns string) error {
	if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
		return fmt.Errorf("%w: namespace %q: %s", ErrInvalidLabelValue, ns, strings.Join(errs, "; "))
	}
	return nil
}

// ValidateModelID accepts any printable UTF-8 model ID up to maxModelIDLength bytes.
// Quotes, backslashes and braces are allowed (they are escaped, see QuoteLabelValue);
// control and other non-printable characters are rejected because nobody names a model
// with them and they only serve to confuse logs and matchers.
func ValidateModelID(id string) error {
	const fix = "; set spec.modelID to the model name the servers answer to (printable UTF-8, at most 256 bytes)"
	switch {
	case id == "":
		return fmt.Errorf("%w: empty model ID%s", ErrInvalidLabelValue, fix)
	case len(id) > maxModelIDLength:
		return fmt.Errorf("%w: model ID %.40q… is %d bytes, longer than %d%s", ErrInvalidLabelValue, id, len(id), maxModelIDLength, fix)
	case !utf8.ValidString(id):
		return fmt.Errorf("%w: model ID %q is not valid UTF-8%s", ErrInvalidLabelValue, id, fix)
	}
	for _, r := range id {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%w: model ID %q contains the non-printable character %U%s", ErrInvalidLabelValue, id, r, fix)
		}
	}
	return nil
}

// validateModel checks both label values of a model.
func validateModel(m Model) error {
	return errors.Join(ValidateNamespace(m.Namespace), ValidateModelID(m.ModelID))
}

// QuoteLabelValue returns v as a double-quoted PromQL string literal: a backslash becomes
// \\ and a double quote \", so the value cannot end the literal early. Values are
// validated first, so no control characters need escaping.
func QuoteLabelValue(v string) string {
	var b strings.Builder
	b.Grow(len(v) + 2)
	b.WriteByte('"')
	for _, r := range v {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// QuoteRegexAlternation returns a PromQL string literal holding a fully anchored regular
// expression that matches exactly the given values: each value is regex-escaped (so a
// "." or "|" in a model ID matches only itself), joined with "|", then string-escaped.
func QuoteRegexAlternation(values []string) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = regexp.QuoteMeta(v)
	}
	return QuoteLabelValue(strings.Join(parts, "|"))
}
