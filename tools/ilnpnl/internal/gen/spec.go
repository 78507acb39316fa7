package main

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// spec is the part of a netlink YAML spec (Documentation/netlink/specs)
// that gen reads: the documentation of attributes and operations.
type spec struct {
	Name          string `yaml:"name"`
	AttributeSets []struct {
		Name       string `yaml:"name"`
		NamePrefix string `yaml:"name-prefix"`
		Attributes []struct {
			Name string `yaml:"name"`
			Doc  string `yaml:"doc"`
		} `yaml:"attributes"`
	} `yaml:"attribute-sets"`
	Operations struct {
		NamePrefix string `yaml:"name-prefix"`
		List       []struct {
			Name string `yaml:"name"`
			Doc  string `yaml:"doc"`
		} `yaml:"list"`
	} `yaml:"operations"`
}

// specDocs returns the doc of each attribute and operation of a netlink
// YAML spec, by the C name the kernel's generator gives it: an
// attribute's is its set's name-prefix (default FAMILY-a-SET-) and its
// name, an operation's the operations' name-prefix (default
// FAMILY-cmd-) and its name, upper-cased with '_' for '-'
// ("ilnp-stats-a-" "bad-nonce" is ILNP_STATS_A_BAD_NONCE).
func specDocs(b []byte) (map[string]string, error) {
	var s spec
	if err := yaml.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if s.Name == "" {
		return nil, fmt.Errorf("no family name")
	}
	docs := map[string]string{}
	add := func(prefix, name, doc string) {
		if doc = strings.Join(strings.Fields(doc), " "); doc != "" {
			docs[cName(prefix+name)] = doc
		}
	}
	for _, set := range s.AttributeSets {
		prefix := set.NamePrefix
		if prefix == "" {
			prefix = s.Name + "-a-" + set.Name + "-"
		}
		for _, a := range set.Attributes {
			add(prefix, a.Name, a.Doc)
		}
	}
	prefix := s.Operations.NamePrefix
	if prefix == "" {
		prefix = s.Name + "-cmd-"
	}
	for _, op := range s.Operations.List {
		add(prefix, op.Name, op.Doc)
	}
	return docs, nil
}

// cName is the C spelling of a spec name: "ilnp-stats-a-bad-nonce" is
// ILNP_STATS_A_BAD_NONCE.
func cName(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "-", "_")) }
