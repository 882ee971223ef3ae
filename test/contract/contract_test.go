package contract

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// clause is one promise of a contract document: text found in the document, whose {}
// placeholders are the values the code must honour, and the check that it does.
type clause struct {
	// name says what is promised.
	name string
	// doc is the document the promise is read from.
	doc string
	// texts are passages of the document; the values of their placeholders, in order,
	// are handed to check. Each passage must appear in the document.
	texts []string
	// check returns an error describing how the code breaks the promise.
	check func(values []string) error
}

// TestDocumentedContract reads every clause's values from the documents and checks the
// code against them.
func TestDocumentedContract(t *testing.T) {
	docs := map[string]document{guide: readDocument(t, guide), reference: readDocument(t, reference)}
	var all []clause
	for _, group := range [][]clause{configClauses(docs), apiClauses(docs), metricsClauses(), decisionClauses()} {
		all = append(all, group...)
	}
	seen := map[string]bool{}
	for _, c := range all {
		if seen[c.name] {
			t.Fatalf("two clauses are named %q", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			var values []string
			for _, text := range c.texts {
				v, err := docs[c.doc].values(text)
				if err != nil {
					t.Fatal(err)
				}
				values = append(values, v...)
			}
			if err := c.check(values); err != nil {
				t.Errorf("%s promises %q (values %q): %v", c.doc, strings.Join(c.texts, " … "), values, err)
			}
		})
	}
}

// same returns nil when got equals the document's value.
func same[T comparable](what string, got, want T) error {
	if got != want {
		return fmt.Errorf("%s is %v in the code, the document says %v", what, got, want)
	}
	return nil
}

// number parses a document's value as a float.
func number(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, fmt.Errorf("the document's value %q is not a number: %w", s, err)
	}
	return f, nil
}

// duration parses a document's value as a duration ("60s", "10m").
func duration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("the document's value %q is not a duration: %w", s, err)
	}
	return d, nil
}

// repoFile reads a file of the repository, relative to its root.
func repoFile(path string) ([]byte, error) {
	return os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(path)))
}

// yamlDocuments splits a multi-document YAML file and decodes each part with decode.
func yamlDocuments(data []byte, decode func(part []byte) error) error {
	for _, part := range strings.Split(string(data), "\n---") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		if err := decode([]byte(part)); err != nil {
			return err
		}
	}
	return nil
}

// configMapYAML is the part of a ConfigMap manifest the clauses read.
type configMapYAML struct {
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Data map[string]string `json:"data"`
}

// shippedConfigMap returns the ConfigMap of config/manager/configmaps.yaml with the name.
func shippedConfigMap(name string) (configMapYAML, error) {
	data, err := repoFile("config/manager/configmaps.yaml")
	if err != nil {
		return configMapYAML{}, err
	}
	var found *configMapYAML
	err = yamlDocuments(data, func(part []byte) error {
		var cm configMapYAML
		if err := yaml.Unmarshal(part, &cm); err != nil {
			return err
		}
		if cm.Metadata.Name == name {
			found = &cm
		}
		return nil
	})
	if err != nil {
		return configMapYAML{}, err
	}
	if found == nil {
		return configMapYAML{}, fmt.Errorf("config/manager/configmaps.yaml ships no ConfigMap %s", name)
	}
	return *found, nil
}
